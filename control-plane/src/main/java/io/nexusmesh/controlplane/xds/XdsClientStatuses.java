package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.nexusmesh.api.controlplane.v1.XdsClient;
import io.nexusmesh.api.controlplane.v1.XdsResourceState;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The xDS server's view of its subscribers: refuses streams whose credential may not subscribe
 * (PERMISSION_DENIED: panel credentials, for one), and records per stream who subscribed, which
 * version of each resource type it was sent, which it accepted (ACK) and which it refused (NACK,
 * with the client's reason) — what {@code MeshService.ListXdsClients} lists. Closed streams are
 * kept for {@link #RETAIN_CLOSED}.
 */
public final class XdsClientStatuses implements DiscoveryServerCallbacks {
  /** How long a closed stream stays listed. */
  static final Duration RETAIN_CLOSED = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(XdsClientStatuses.class);

  private final Clock clock;
  private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

  public XdsClientStatuses(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** One subscriber's stream. */
  private static final class Stream {
    final Principal principal;
    final Instant opened;
    volatile String nodeId = "";
    volatile @Nullable Instant closed;
    final Map<String, TypeState> types = new ConcurrentHashMap<>();

    Stream(Principal principal, Instant opened) {
      this.principal = principal;
      this.opened = opened;
    }
  }

  /** What happened to one resource type on a stream. */
  private static final class TypeState {
    volatile List<String> names = List.of();
    volatile String accepted = "";
    volatile String sent = "";
    volatile String sentNonce = "";
    volatile String rejectedVersion = "";
    volatile String rejectedError = "";
    volatile @Nullable Instant rejectedAt;
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) throws RequestException {
    Principal principal;
    try {
      principal = Authz.require(AuthContext.principal(), Permission.MESH_DISCOVERY);
    } catch (NexusException e) {
      throw new RequestException(
          Status.PERMISSION_DENIED.withDescription(
              "this credential may not subscribe to the mesh's xDS resources"));
    }
    prune();
    streams.put(streamId, new Stream(principal, clock.instant()));
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    Stream stream = streams.get(streamId);
    if (stream == null) {
      return;
    }
    if (request.hasNode() && !request.getNode().getId().isEmpty()) {
      stream.nodeId = request.getNode().getId();
    }
    TypeState type = stream.types.computeIfAbsent(request.getTypeUrl(), t -> new TypeState());
    type.names = List.copyOf(request.getResourceNamesList());
    boolean answers = !request.getResponseNonce().isEmpty();
    if (answers && request.hasErrorDetail()) {
      type.rejectedVersion =
          request.getResponseNonce().equals(type.sentNonce) ? type.sent : "(an earlier one)";
      type.rejectedError = request.getErrorDetail().getMessage();
      type.rejectedAt = clock.instant();
      log.warn(
          "xDS client {} ({}) refused {} version {}: {}",
          stream.nodeId,
          stream.principal.subject(),
          request.getTypeUrl(),
          type.rejectedVersion,
          type.rejectedError);
    } else if (answers) {
      type.accepted = request.getVersionInfo();
      if (type.accepted.equals(type.rejectedVersion)) {
        type.rejectedVersion = "";
        type.rejectedError = "";
        type.rejectedAt = null;
      }
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    Stream stream = streams.get(streamId);
    if (stream != null && request.hasNode()) {
      stream.nodeId = request.getNode().getId();
    }
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    Stream stream = streams.get(streamId);
    if (stream != null) {
      TypeState type = stream.types.computeIfAbsent(response.getTypeUrl(), t -> new TypeState());
      type.sent = response.getVersionInfo();
      type.sentNonce = response.getNonce();
    }
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId);
  }

  private void closed(long streamId) {
    Stream stream = streams.get(streamId);
    if (stream != null) {
      stream.closed = clock.instant();
    }
  }

  private void prune() {
    Instant cutoff = clock.instant().minus(RETAIN_CLOSED);
    streams.values().removeIf(s -> s.closed != null && s.closed.isBefore(cutoff));
  }

  /** The organisation's subscribers (all of them when {@code nodeId} is empty), by node id. */
  public List<XdsClient> list(String org, String nodeId) {
    prune();
    return streams.values().stream()
        .filter(s -> s.principal.org().equals(org))
        .filter(s -> nodeId.isEmpty() || s.nodeId.equals(nodeId))
        .sorted(Comparator.comparing((Stream s) -> s.nodeId).thenComparing(s -> s.opened))
        .map(XdsClientStatuses::describe)
        .toList();
  }

  private static XdsClient describe(Stream stream) {
    XdsClient.Builder client =
        XdsClient.newBuilder()
            .setNodeId(stream.nodeId)
            .setSubject(stream.principal.subject())
            .setView(
                SubscriberViews.view(stream.principal).name().toLowerCase(java.util.Locale.ROOT))
            .setConnectTime(Timestamps.fromMillis(stream.opened.toEpochMilli()));
    Instant closed = stream.closed;
    if (closed != null) {
      client.setDisconnectTime(Timestamps.fromMillis(closed.toEpochMilli()));
    }
    stream.types.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              TypeState type = e.getValue();
              XdsResourceState.Builder state =
                  XdsResourceState.newBuilder()
                      .setTypeUrl(e.getKey())
                      .addAllResourceNames(type.names)
                      .setAcceptedVersion(type.accepted)
                      .setSentVersion(type.sent)
                      .setRejectedVersion(type.rejectedVersion)
                      .setRejectedError(type.rejectedError);
              Instant rejectedAt = type.rejectedAt;
              if (rejectedAt != null) {
                state.setRejectTime(Timestamps.fromMillis(rejectedAt.toEpochMilli()));
              }
              client.addResources(state);
            });
    return client.build();
  }
}
