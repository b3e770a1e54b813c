package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.AbstractStub;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One server the client talks to (the control plane or a gateway): its channel, the credential sent
 * to it, and the deadline of each unary call. Calls that fail with UNAVAILABLE are retried by
 * grpc-java itself (a retry policy in the channel's service config); no other failure is retried.
 */
final class Endpoint implements AutoCloseable {
  private final ManagedChannel channel;
  private final @Nullable CallCredentials credentials;
  private final Duration deadline;

  private Endpoint(
      ManagedChannel channel, @Nullable CallCredentials credentials, Duration deadline) {
    this.channel = channel;
    this.credentials = credentials;
    this.deadline = deadline;
  }

  static Endpoint open(
      URI url,
      @Nullable CallCredentials credentials,
      Duration deadline,
      int maxAttempts,
      ClientInterceptor trace) {
    requireNonNull(url, "url");
    boolean tls = "https".equals(url.getScheme());
    boolean xds = "xds".equals(url.getScheme());
    if (!tls && !xds && !"http".equals(url.getScheme())) {
      throw new IllegalArgumentException(
          "url: " + url + " (expected: http://, https:// or xds:///NAME)");
    }
    ManagedChannelBuilder<?> builder;
    if (xds) {
      // Resolved by grpc-java's xDS client (io.grpc:grpc-xds, bootstrap: XdsBootstrap), which
      // balances round robin over the name's healthy endpoints. Plaintext inside the mesh.
      builder = Grpc.newChannelBuilder(url.toString(), InsecureChannelCredentials.create());
    } else {
      int port = url.getPort() != -1 ? url.getPort() : tls ? 443 : 80;
      builder = ManagedChannelBuilder.forAddress(url.getHost(), port);
      if (tls) {
        builder.useTransportSecurity();
      } else {
        builder.usePlaintext();
      }
    }
    if (maxAttempts > 1) {
      builder.defaultServiceConfig(retryOnUnavailable(maxAttempts)).enableRetry();
    } else {
      builder.disableRetry();
    }
    builder.intercept(trace);
    return new Endpoint(builder.build(), credentials, deadline);
  }

  private static Map<String, Object> retryOnUnavailable(int maxAttempts) {
    // grpc-java reads service configs as JSON values: numbers must be doubles.
    Map<String, Object> retryPolicy =
        Map.of(
            "maxAttempts",
            (double) maxAttempts,
            "initialBackoff",
            "0.2s",
            "maxBackoff",
            "2s",
            "backoffMultiplier",
            2.0,
            "retryableStatusCodes",
            List.of("UNAVAILABLE"));
    return Map.of(
        "methodConfig", List.of(Map.of("name", List.of(Map.of()), "retryPolicy", retryPolicy)));
  }

  ManagedChannel channel() {
    return channel;
  }

  /** {@code stub} for one unary call: the credential and a deadline from now. */
  <S extends AbstractStub<S>> S unary(S stub) {
    return streaming(stub).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** {@code stub} for a stream that lasts as long as its caller wants: the credential only. */
  <S extends AbstractStub<S>> S streaming(S stub) {
    return credentials == null ? stub : stub.withCallCredentials(credentials);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
