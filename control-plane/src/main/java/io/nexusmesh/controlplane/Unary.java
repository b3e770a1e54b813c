package io.nexusmesh.controlplane;

import io.grpc.stub.StreamObserver;

/** Answers a unary gRPC call: one message, then completion. */
public final class Unary {
  private Unary() {}

  /** Sends {@code message} and completes the call. */
  public static <T> void reply(StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
  }
}
