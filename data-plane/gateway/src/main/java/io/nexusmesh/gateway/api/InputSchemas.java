package io.nexusmesh.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks execution inputs against their workflow's input JSON Schema (draft 2020-12), before
 * anything runs. Each problem becomes a field violation whose path starts at {@code input}, e.g.
 * {@code input.name}. Compiled schemas are cached per deployed workflow version.
 */
public final class InputSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonSchemaFactory factory =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();

  /** Throws INVALID_ARGUMENT with field violations when {@code input} does not match. */
  public void check(DeployedWorkflow workflow, Struct input) {
    if (!workflow.getSpec().hasInputSchema()) {
      return;
    }
    JsonSchema schema =
        compiled.computeIfAbsent(
            workflow.getOrg() + "/" + workflow.getWorkflowId() + "@" + workflow.getVersion(),
            k -> factory.getSchema(toJson(workflow.getSpec().getInputSchema())));
    List<FieldViolation> violations = new ArrayList<>();
    for (ValidationMessage m : schema.validate(toJson(input))) {
      String field = "input" + m.getInstanceLocation().toString().substring(1);
      if ("required".equals(m.getType()) && m.getProperty() != null) {
        field += "." + m.getProperty();
      }
      violations.add(
          new FieldViolation(field, m.getError() != null ? m.getError() : m.getMessage()));
    }
    if (!violations.isEmpty()) {
      throw NexusException.invalidArgument(violations);
    }
  }

  private static JsonNode toJson(Struct struct) {
    try {
      return JSON.readTree(JsonFormat.printer().print(struct));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not JSON", e);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
