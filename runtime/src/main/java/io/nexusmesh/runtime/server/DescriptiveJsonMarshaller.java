package io.nexusmesh.runtime.server;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.protobuf.ProtoUtils;
import io.nexusmesh.api.json.JsonNumbers;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Armeria's JSON marshaller (REST transcoding, unframed JSON, gRPC-Web and gRPC with JSON), with
 * refusals that say what is wrong: a body that does not parse becomes INVALID_ARGUMENT naming the
 * field and the problem, with a {@code BadRequest} field violation (see {@link JsonProblems}).
 */
final class DescriptiveJsonMarshaller implements GrpcJsonMarshaller {
  private final GrpcJsonMarshaller delegate;

  DescriptiveJsonMarshaller(GrpcJsonMarshaller delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  @Override
  public <T> void serializeMessage(Marshaller<T> marshaller, T message, OutputStream os)
      throws IOException {
    try {
      // Integral numbers as integers: a caller's 1 comes back as 1, not 1.0 (see JsonNumbers).
      var buffer = new java.io.ByteArrayOutputStream();
      delegate.serializeMessage(marshaller, message, buffer);
      os.write(JsonNumbers.integral(buffer.toByteArray()));
    } catch (IOException | RuntimeException e) {
      // A response that does not print is our bug, never the caller's malformed request.
      throw new IllegalStateException("a response message could not be printed as JSON", e);
    }
  }

  @Override
  public <T> T deserializeMessage(Marshaller<T> marshaller, InputStream is) throws IOException {
    byte[] json = is.readAllBytes();
    if (marshaller instanceof PrototypeMarshaller<T> prototyped
        && prototyped.getMessagePrototype() instanceof Message prototype) {
      var inexact = JsonNumbers.inexactInteger(prototype.getDescriptorForType(), json);
      if (inexact.isPresent()) {
        throw NexusException.invalidArgument(inexact.get().path(), inexact.get().description());
      }
    }
    try {
      return delegate.deserializeMessage(marshaller, new ByteArrayInputStream(json));
    } catch (IOException | RuntimeException e) {
      if (marshaller instanceof PrototypeMarshaller<T> prototyped
          && prototyped.getMessagePrototype() instanceof Message prototype) {
        String parserSaid = e.getMessage() == null ? "could not be parsed" : e.getMessage();
        FieldViolation problem = JsonProblems.locate(prototype, json, parserSaid, this::problem);
        if (problem.field().isEmpty()) {
          throw NexusException.malformedRequest("malformed request body: " + problem.description());
        }
        throw NexusException.invalidArgument(List.of(problem));
      }
      throw e;
    }
  }

  /** What the delegate says of {@code json} as a message of the prototype's type, or null. */
  private @Nullable String problem(Message prototype, String json) {
    try {
      delegate.deserializeMessage(
          ProtoUtils.marshaller(prototype),
          new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
      return null;
    } catch (IOException | RuntimeException e) {
      return e.getMessage() == null ? "has the wrong type" : e.getMessage();
    }
  }
}
