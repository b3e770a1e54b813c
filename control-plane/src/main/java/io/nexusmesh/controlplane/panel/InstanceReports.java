package io.nexusmesh.controlplane.panel;

import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceRequest;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks of a sidecar's report that protovalidate cannot express: the endpoint's form and
 * unique tool names.
 */
final class InstanceReports {
  private static final Pattern HOST_PORT =
      Pattern.compile("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]{1,253}):[0-9]{1,5}$");

  private InstanceReports() {}

  /** INVALID_ARGUMENT naming each field that is wrong. */
  static void check(ReportPanelInstanceRequest request) {
    List<FieldViolation> violations = new ArrayList<>();
    String endpoint = request.getEndpoint();
    boolean unix = endpoint.startsWith("unix:/") && !endpoint.contains("..");
    if (!unix && !HOST_PORT.matcher(endpoint).matches()) {
      violations.add(
          new FieldViolation(
              "endpoint", "must be host:port or unix:/absolute/path, got '" + endpoint + "'"));
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < request.getToolsCount(); i++) {
      if (!names.add(request.getTools(i).getName())) {
        violations.add(
            new FieldViolation(
                "tools[" + i + "].name", "duplicate tool name " + request.getTools(i).getName()));
      }
    }
    if (!violations.isEmpty()) {
      throw NexusException.invalidArgument(violations);
    }
  }
}
