package io.nexusmesh.sidecar.mesh;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.auth.AuthToken;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.controlplane.v1.PanelServiceGrpc.PanelServiceBlockingStub;
import io.nexusmesh.api.controlplane.v1.RenewPanelCredentialRequest;
import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceRequest;
import io.nexusmesh.api.controlplane.v1.ReportPanelInstanceResponse;
import io.nexusmesh.sidecar.PanelIdentity;
import io.nexusmesh.sidecar.manifest.PanelManifest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the panel's instance with the control plane under the panel's credential and keeps it
 * there: a report on start, on every manifest change and at the heartbeat interval the control
 * plane asks for; the credential renewed when half its life is gone; a last report with {@code
 * stopping} on close. The control plane's answer names the panel and organisation this sidecar
 * speaks for. Failures are retried at the next beat; the sidecar keeps serving meanwhile.
 */
public final class MeshRegistration implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshRegistration.class);
  private static final Duration FIRST_INTERVAL = Duration.ofSeconds(2);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final URI controlPlane;
  private final PanelIdentity identity;
  private final String endpoint;
  private final Supplier<PanelManifest> manifest;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("mesh-registration").factory());
  private final PanelServiceBlockingStub client;
  private volatile String credential;
  private volatile Instant credentialRenewAt;
  private volatile Duration interval = FIRST_INTERVAL;
  private volatile boolean registered;

  public MeshRegistration(
      URI controlPlane,
      String credential,
      PanelIdentity identity,
      String endpoint,
      Supplier<PanelManifest> manifest) {
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
    this.credential = requireNonNull(credential, "credential");
    this.identity = requireNonNull(identity, "identity");
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.manifest = requireNonNull(manifest, "manifest");
    this.credentialRenewAt = Instant.now().plus(Duration.ofMinutes(20));
    // One client for the sidecar's life; each call carries the credential current at the time.
    this.client =
        GrpcClients.builder(controlPlane)
            .decorator(
                (delegate, ctx, req) -> {
                  ctx.setAdditionalRequestHeader(
                      HttpHeaderNames.AUTHORIZATION,
                      AuthToken.ofOAuth2(this.credential).asHeaderValue());
                  return delegate.execute(ctx, req);
                })
            .build(PanelServiceBlockingStub.class);
  }

  /**
   * Reports once now, then keeps beating. A control plane that is down or refuses does not stop the
   * sidecar: it keeps serving and reports again at every beat (readiness says whether it is
   * registered).
   */
  public void start() {
    try {
      report(false);
    } catch (RuntimeException e) {
      log.warn(
          "registering the panel instance failed; retrying in {}: {}", interval, e.getMessage());
    }
    timer.schedule(this::beat, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the last report was accepted. */
  public boolean registered() {
    return registered;
  }

  /** Reports now, off the caller's thread (a manifest change). */
  public void reportSoon() {
    timer.execute(
        () -> {
          try {
            report(false);
          } catch (RuntimeException e) {
            log.warn(
                "reporting the panel instance failed; retrying at the next beat: {}",
                e.getMessage());
          }
        });
  }

  private void beat() {
    try {
      if (Instant.now().isAfter(credentialRenewAt)) {
        renew();
      }
      report(false);
    } catch (RuntimeException e) {
      registered = false;
      log.warn("reporting the panel instance failed; retrying in {}: {}", interval, e.getMessage());
    } finally {
      if (!timer.isShutdown()) {
        timer.schedule(this::beat, interval.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private PanelServiceBlockingStub stub() {
    return client.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew() {
    var renewed = stub().renewPanelCredential(RenewPanelCredentialRequest.getDefaultInstance());
    Instant expiry = Instant.ofEpochMilli(Timestamps.toMillis(renewed.getExpireTime()));
    credential = renewed.getCredential();
    credentialRenewAt = Instant.now().plus(Duration.between(Instant.now(), expiry).dividedBy(2));
    log.info("renewed the panel credential; it expires at {}", expiry);
  }

  private synchronized void report(boolean stopping) {
    PanelManifest current = manifest.get();
    ReportPanelInstanceResponse answer;
    try {
      answer =
          stub()
              .reportPanelInstance(
                  ReportPanelInstanceRequest.newBuilder()
                      .setInstance(identity.instance())
                      .setEndpoint(endpoint)
                      .addAllTools(current.tools())
                      .setManifestState(current.state())
                      .setMessage(truncate(current.message()))
                      .setInvokeKey(ByteString.copyFrom(identity.invokeKey()))
                      .setStopping(stopping)
                      .build());
    } catch (StatusRuntimeException e) {
      registered = false;
      throw e;
    }
    identity.name(answer.getOrg(), answer.getPanel());
    if (answer.hasHeartbeatInterval()) {
      interval =
          Duration.ofMillis(Math.max(500, Durations.toMillis(answer.getHeartbeatInterval())));
    }
    registered = !stopping;
  }

  private static String truncate(String message) {
    return message.length() > 2000 ? message.substring(0, 2000) + "..." : message;
  }

  /** Withdraws the instance (best effort) and stops beating. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      report(true);
    } catch (RuntimeException e) {
      log.warn("withdrawing the panel instance failed: {}", e.getMessage());
    }
  }
}
