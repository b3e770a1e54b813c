package io.nexusmesh.controlplane;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One listener subscription on a raw ADS stream, for tests that look at what the server sends. */
final class RawAds {
  private RawAds() {}

  /** What one LDS subscription on a raw ADS stream got: its first response, or its end. */
  record Subscription(DiscoveryResponse response, StatusRuntimeException error) {
    Status getStatus() {
      return error == null ? Status.OK : error.getStatus();
    }
  }

  static Subscription subscribe(
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub ads, String nodeId)
      throws Exception {
    CompletableFuture<Subscription> result = new CompletableFuture<>();
    var requests =
        ads.streamAggregatedResources(
            new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryResponse response) {
                result.complete(new Subscription(response, null));
              }

              @Override
              public void onError(Throwable t) {
                result.complete(
                    new Subscription(null, Status.fromThrowable(t).asRuntimeException()));
              }

              @Override
              public void onCompleted() {
                result.complete(new Subscription(null, Status.UNKNOWN.asRuntimeException()));
              }
            });
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(nodeId == null ? "test" : nodeId))
            .setTypeUrl("type.googleapis.com/envoy.config.listener.v3.Listener")
            .build());
    try {
      return result.get(10, TimeUnit.SECONDS);
    } finally {
      requests.onCompleted();
    }
  }
}
