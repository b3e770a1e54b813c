package io.nexusmesh.runtime.auth;

import io.grpc.ServerCall;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The listener of a call whose start waits for work done elsewhere (a credential checked off the
 * event loop): the call's events are held, in order, until {@link #start} supplies the real
 * listener, then replayed to it. grpc-java has no asynchronous interceptor, so this bridge is
 * written by hand. What the start or a replayed event throws (a handler's NexusException) closes
 * the call through {@code onFailure}, as the server does for events it delivers itself.
 */
final class DeferredListener<ReqT> extends ServerCall.Listener<ReqT> {
  private final List<Consumer<ServerCall.Listener<ReqT>>> held = new ArrayList<>();
  private final Consumer<Throwable> onFailure;
  private ServerCall.@Nullable Listener<ReqT> delegate;

  DeferredListener(Consumer<Throwable> onFailure) {
    this.onFailure = onFailure;
  }

  /** Starts the call with the listener {@code start} returns and replays what was held. */
  void start(Supplier<ServerCall.Listener<ReqT>> start) {
    ServerCall.Listener<ReqT> listener;
    try {
      listener = start.get();
    } catch (RuntimeException e) {
      listener = new ServerCall.Listener<>() {};
      onFailure.accept(e);
    }
    List<Consumer<ServerCall.Listener<ReqT>>> replay;
    synchronized (this) {
      replay = List.copyOf(held);
      held.clear();
      delegate = listener;
    }
    for (var event : replay) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        onFailure.accept(e);
        return;
      }
    }
  }

  private void deliver(Consumer<ServerCall.Listener<ReqT>> event) {
    ServerCall.Listener<ReqT> listener;
    synchronized (this) {
      listener = delegate;
      if (listener == null) {
        held.add(event);
        return;
      }
    }
    event.accept(listener);
  }

  @Override
  public void onMessage(ReqT message) {
    deliver(l -> l.onMessage(message));
  }

  @Override
  public void onHalfClose() {
    deliver(ServerCall.Listener::onHalfClose);
  }

  @Override
  public void onCancel() {
    deliver(ServerCall.Listener::onCancel);
  }

  @Override
  public void onComplete() {
    deliver(ServerCall.Listener::onComplete);
  }

  @Override
  public void onReady() {
    deliver(ServerCall.Listener::onReady);
  }
}
