package io.nexusmesh.runtime.server;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.protobuf.ProtoUtils;
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
      delegate.serializeMessage(marshaller, message, os);
    } catch (IOException | RuntimeException e) {
      // A response that does not print is our bug, never the caller's malformed request.
      throw new IllegalStateException("a response message could not be printed as JSON", e);
    }
  }

  @Override
  public <T> T deserializeMessage(Marshaller<T> marshaller, InputStream is) throws IOException {
    // Armeria hands over its buffer as a stream that can be reset: the body is read again only
    // when it did not parse, so the hot path makes no copy.
    InputStream body = is.markSupported() ? is : new ByteArrayInputStream(is.readAllBytes());
    body.mark(Integer.MAX_VALUE);
    try {
      return delegate.deserializeMessage(marshaller, body);
    } catch (IOException | RuntimeException e) {
      if (marshaller instanceof PrototypeMarshaller<T> prototyped
          && prototyped.getMessagePrototype() instanceof Message prototype) {
        body.reset();
        byte[] json = body.readAllBytes();
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
