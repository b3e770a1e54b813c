package io.nexusmesh.runtime.validation;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.nexusmesh.runtime.error.Calls;

/**
 * Validates every request message with protovalidate before the handler sees it. An invalid message
 * ends the call with INVALID_ARGUMENT and a {@code BadRequest} listing each violation (HTTP 400
 * with the same JSON details for REST callers); the handler never runs, so nothing is half-written.
 */
public final class ValidationInterceptor implements ServerInterceptor {
  private final RequestValidator validator;

  public ValidationInterceptor(RequestValidator validator) {
    this.validator = requireNonNull(validator, "validator");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ServerCall.Listener<ReqT> delegate = next.startCall(call, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      private boolean rejected;

      @Override
      public void onMessage(ReqT message) {
        if (rejected) {
          return;
        }
        if (message instanceof Message proto) {
          var error = validator.check(proto);
          if (error.isPresent()) {
            rejected = true;
            Calls.close(call, error.get());
            return;
          }
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!rejected) {
          super.onHalfClose();
        }
      }
    };
  }
}
