package io.nexusmesh.api.docs;

import static org.assertj.core.api.Assertions.assertThat;

import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.api.AnnotationsProto;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.EgressPolicyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc;
import io.nexusmesh.api.controlplane.v1.SecretServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every public RPC (one with an HTTP rule) has an example request for {@code /docs}, and every
 * example is a valid request: it parses as the method's request message and passes its
 * protovalidate constraints. An example for an RPC that does not exist fails too.
 */
class ExampleRequestsTest {
  private static final List<io.grpc.ServiceDescriptor> PUBLIC =
      List.of(
          ApiKeyServiceGrpc.getServiceDescriptor(),
          AuditServiceGrpc.getServiceDescriptor(),
          DeploymentServiceGrpc.getServiceDescriptor(),
          EgressPolicyServiceGrpc.getServiceDescriptor(),
          GatewayServiceGrpc.getServiceDescriptor(),
          io.nexusmesh.api.controlplane.v1.MeshServiceGrpc.getServiceDescriptor(),
          PanelServiceGrpc.getServiceDescriptor(),
          SecretServiceGrpc.getServiceDescriptor(),
          io.nexusmesh.api.controlplane.v1.TraceServiceGrpc.getServiceDescriptor(),
          WorkflowServiceGrpc.getServiceDescriptor(),
          ExecutionServiceGrpc.getServiceDescriptor(),
          SessionServiceGrpc.getServiceDescriptor());

  @Test
  void everyPublicRpcHasAValidExample() throws Exception {
    Map<String, String> examples = examples();
    Validator validator = ValidatorFactory.newBuilder().build();
    Set<String> covered = new HashSet<>();
    List<String> problems = new ArrayList<>();
    for (io.grpc.ServiceDescriptor grpc : PUBLIC) {
      ServiceDescriptor service =
          ((ProtoServiceDescriptorSupplier) grpc.getSchemaDescriptor()).getServiceDescriptor();
      for (MethodDescriptor method : service.getMethods()) {
        if (!method.getOptions().hasExtension(AnnotationsProto.http)) {
          continue;
        }
        String name = service.getFullName() + "/" + method.getName();
        covered.add(name);
        String example = examples.get(name);
        if (example == null) {
          problems.add(name + ": no example");
          continue;
        }
        var message = DynamicMessage.newBuilder(method.getInputType());
        JsonFormat.parser().merge(example, message);
        var result = validator.validate(message.build());
        if (!result.isSuccess()) {
          problems.add(name + ": " + result.getViolations());
        }
      }
    }
    Set<String> unknown = new HashSet<>(examples.keySet());
    unknown.removeAll(covered);
    assertThat(unknown).as("examples of RPCs that do not exist").isEmpty();
    assertThat(problems).isEmpty();
    assertThat(covered).hasSizeGreaterThan(40);
  }

  /** The examples file, each example as JSON text. */
  private static Map<String, String> examples() throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (InputStream in = ExampleRequestsTest.class.getResourceAsStream("example-requests.json");
        JsonParser p = new JsonFactory().createParser(in)) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        var text = new java.io.StringWriter();
        try (var generator = new JsonFactory().createGenerator(text)) {
          generator.copyCurrentStructure(p);
        }
        out.put(name, text.toString());
      }
    }
    return out;
  }
}
