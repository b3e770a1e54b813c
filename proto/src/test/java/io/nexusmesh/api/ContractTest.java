package io.nexusmesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import build.buf.validate.ValidateProto;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Walks the descriptors of every generated contract and checks the rules our public API keeps:
 * every RPC of a user-facing service has a {@code google.api.http} rule and a request with
 * protovalidate constraints, and every package follows the naming conventions.
 *
 * <p>The files are found by scanning the compiled {@code *Proto} classes, so a new contract is
 * checked without anyone adding it here.
 */
class ContractTest {
  /** Services called only inside the mesh; they need validation but no REST mapping. */
  private static final Set<String> INTERNAL_SERVICES =
      Set.of("nexus.gateway.v1.GatewayAdminService", "nexus.sidecar.v1.SidecarService");

  private static final List<FileDescriptor> files = new ArrayList<>();

  @BeforeAll
  static void loadContracts() throws Exception {
    Path classes = Path.of("target/classes/io/nexusmesh/api");
    try (Stream<Path> paths = Files.walk(classes)) {
      for (Path path : paths.filter(p -> p.toString().endsWith("Proto.class")).toList()) {
        String className =
            Path.of("target/classes")
                .relativize(path)
                .toString()
                .replace('/', '.')
                .replace(".class", "");
        files.add(
            (FileDescriptor) Class.forName(className).getMethod("getDescriptor").invoke(null));
      }
    }
    assertThat(files).as("generated contract files").hasSizeGreaterThanOrEqualTo(12);
  }

  private static List<ServiceDescriptor> services() {
    return files.stream().flatMap(f -> f.getServices().stream()).toList();
  }

  @Test
  void theServicesTheProductPromisesExist() {
    assertThat(services())
        .extracting(ServiceDescriptor::getFullName)
        .contains(
            "nexus.controlplane.v1.WorkflowService",
            "nexus.controlplane.v1.DeploymentService",
            "nexus.controlplane.v1.GatewayService",
            "nexus.controlplane.v1.ApiKeyService",
            "nexus.controlplane.v1.AuditService",
            "nexus.gateway.v1.ExecutionService",
            "nexus.gateway.v1.SessionService",
            "nexus.gateway.v1.GatewayAdminService",
            "nexus.controlplane.v1.PanelService",
            "nexus.sidecar.v1.SidecarService");
  }

  @Test
  void everyUserFacingRpcHasAnHttpRule() {
    List<String> missing = new ArrayList<>();
    for (ServiceDescriptor service : services()) {
      if (INTERNAL_SERVICES.contains(service.getFullName())) {
        continue;
      }
      for (MethodDescriptor method : service.getMethods()) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        if (rule.getPatternCase() == HttpRule.PatternCase.PATTERN_NOT_SET) {
          missing.add(method.getFullName());
        }
      }
    }
    assertThat(missing).as("RPCs without a google.api.http rule").isEmpty();
  }

  @Test
  void everyRpcRequestIsValidated() {
    List<String> unvalidated = new ArrayList<>();
    for (ServiceDescriptor service : services()) {
      for (MethodDescriptor method : service.getMethods()) {
        Descriptor request = method.getInputType();
        boolean emptyByDesign = request.getFields().isEmpty();
        if (!emptyByDesign && !hasConstraints(request, new HashSet<>())) {
          unvalidated.add(method.getFullName());
        }
      }
    }
    assertThat(unvalidated).as("RPCs whose request has no protovalidate constraint").isEmpty();
  }

  @Test
  void restRoutesTheIssueNamesAreMapped() {
    List<String> routes = new ArrayList<>();
    for (ServiceDescriptor service : services()) {
      for (MethodDescriptor method : service.getMethods()) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        switch (rule.getPatternCase()) {
          case GET -> routes.add("GET " + rule.getGet());
          case POST -> routes.add("POST " + rule.getPost());
          case PATCH -> routes.add("PATCH " + rule.getPatch());
          case DELETE -> routes.add("DELETE " + rule.getDelete());
          case PUT -> routes.add("PUT " + rule.getPut());
          default -> {}
        }
      }
    }
    assertThat(routes)
        .contains(
            "POST /v1/workflows",
            "GET /v1/workflows",
            "GET /v1/workflows/{id}",
            "POST /v1/workflows/{workflow_id}/versions",
            "POST /v1/deployments",
            "GET /v1/auditEvents",
            "POST /v1/workflows/{workflow}:execute",
            "GET /v1/executions/{id}");
  }

  @Test
  void executeCarriesWorkflowInputAndReturnsOutputIdAndStatus() {
    Descriptor request = io.nexusmesh.api.gateway.v1.ExecuteRequest.getDescriptor();
    assertThat(request.findFieldByName("workflow").getType())
        .isEqualTo(FieldDescriptor.Type.STRING);
    assertThat(request.findFieldByName("input").getMessageType().getFullName())
        .isEqualTo("google.protobuf.Struct");
    Descriptor response = io.nexusmesh.api.gateway.v1.ExecuteResponse.getDescriptor();
    assertThat(response.findFieldByName("output").getMessageType().getFullName())
        .isEqualTo("google.protobuf.Struct");
    assertThat(response.findFieldByName("execution_id")).isNotNull();
    assertThat(response.findFieldByName("status")).isNotNull();
  }

  @Test
  void packagesFollowTheConventions() {
    for (FileDescriptor file : files) {
      assertThat(file.getPackage()).matches("nexus\\.[a-z]+\\.v1(alpha1)?");
      assertThat(file.getName()).startsWith(file.getPackage().replace('.', '/') + "/");
      assertThat(file.getOptions().getJavaMultipleFiles()).isTrue();
      assertThat(file.getOptions().getJavaPackage())
          .isEqualTo("io.nexusmesh.api." + file.getPackage().substring("nexus.".length()));
    }
  }

  /** Whether a message, or a message field reachable from it, carries a protovalidate rule. */
  private static boolean hasConstraints(Descriptor message, Set<String> seen) {
    if (!seen.add(message.getFullName())) {
      return false;
    }
    if (message.getOptions().hasExtension(ValidateProto.message)) {
      return true;
    }
    for (var oneof : message.getRealOneofs()) {
      if (oneof.getOptions().hasExtension(ValidateProto.oneof)) {
        return true;
      }
    }
    for (FieldDescriptor field : message.getFields()) {
      if (field.getOptions().hasExtension(ValidateProto.field)) {
        return true;
      }
      if (field.getType() == FieldDescriptor.Type.MESSAGE
          && field.getMessageType().getFullName().startsWith("nexus.")
          && hasConstraints(field.getMessageType(), seen)) {
        return true;
      }
    }
    return false;
  }
}
