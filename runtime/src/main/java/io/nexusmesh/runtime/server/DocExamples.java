package io.nexusmesh.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.server.docs.DocServiceBuilder;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The example request of every public RPC, shown by {@code /docs} so that "try it" starts from a
 * request that works. They live with the contracts ({@code io/nexusmesh/api/docs/
 * example-requests.json} in {@code nexus-proto}, keyed by full method name), where a test checks
 * that every RPC with an HTTP rule has one that parses and passes protovalidate.
 */
final class DocExamples {
  static final String RESOURCE = "/io/nexusmesh/api/docs/example-requests.json";

  private DocExamples() {}

  /** Adds the example of each method of {@code services} that has one to {@code docs}. */
  static DocServiceBuilder addTo(DocServiceBuilder docs, List<? extends BindableService> services) {
    JsonNode examples = load();
    for (BindableService service : services) {
      var definition = service.bindService();
      String serviceName = definition.getServiceDescriptor().getName();
      for (var method : definition.getMethods()) {
        MethodDescriptor<?, ?> descriptor = method.getMethodDescriptor();
        JsonNode example = examples.get(descriptor.getFullMethodName());
        if (example != null
            && descriptor.getRequestMarshaller() instanceof PrototypeMarshaller<?> marshaller
            && marshaller.getMessagePrototype() instanceof Message prototype) {
          docs.exampleRequests(
              serviceName, descriptor.getBareMethodName(), parse(prototype, example));
        }
      }
    }
    return docs;
  }

  private static Message parse(Message prototype, JsonNode example) {
    Message.Builder builder = prototype.newBuilderForType();
    try {
      JsonFormat.parser().merge(example.toString(), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "the docs example of " + prototype.getDescriptorForType().getFullName() + " is wrong", e);
    }
    return builder.build();
  }

  private static JsonNode load() {
    try (InputStream in = DocExamples.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
