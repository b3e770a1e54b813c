package io.nexusmesh.gateway.panel;

import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc.SidecarServiceFutureStub;

/** How the gateway reaches a panel's sidecar: the stub of its current instance. */
public interface SidecarStubs extends AutoCloseable {
  /** The stub for {@code panel}'s current instance, sending its invoke key. */
  SidecarServiceFutureStub stub(ReachablePanel panel);

  @Override
  void close();
}
