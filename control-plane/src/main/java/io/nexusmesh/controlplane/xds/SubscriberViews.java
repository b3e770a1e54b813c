package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Serves each subscriber the view its credential entitles it to, whatever node id its bootstrap
 * claims: the cache is keyed by {@link #group(Principal)} (view and organisation), and each watch
 * is created for the caller's group, read from the gRPC call it runs in. java-control-plane keys
 * its cache by a hash of the node; here the node is replaced by the group before the cache sees it,
 * so a client cannot ask for another organisation's resources by naming itself after them.
 */
final class SubscriberViews implements ConfigWatcher {
  private final SimpleCache<String> cache;
  private final Consumer<String> ensureGroup;

  /**
   * @param ensureGroup called with a group before a watch of it is created, to give an
   *     organisation's first subscriber a snapshot to watch
   */
  SubscriberViews(SimpleCache<String> cache, Consumer<String> ensureGroup) {
    this.cache = requireNonNull(cache, "cache");
    this.ensureGroup = requireNonNull(ensureGroup, "ensureGroup");
  }

  /**
   * The cache group of {@code principal}: {@code MESH:org} for gateways, else {@code CLIENTS:org}.
   */
  static String group(Principal principal) {
    return group(view(principal), principal.org());
  }

  static String group(MeshSnapshots.View view, String org) {
    return view.name() + ":" + org;
  }

  /** What {@code principal} is served. */
  static MeshSnapshots.View view(Principal principal) {
    return principal.hasRole(Permission.Roles.GATEWAY)
        ? MeshSnapshots.View.MESH
        : MeshSnapshots.View.CLIENTS;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    XdsRequest scoped =
        XdsRequest.create(request.v3Request().toBuilder().setNode(callerNode()).build());
    return cache.createWatch(
        // Not "ads": java-control-plane holds back an ADS response that lacks a requested name
        // (for Envoy's sake, so it waits for what it will need). In state of the world a missing
        // listener or cluster is how a removal is told, so holding back would keep a deleted
        // panel resolving forever in grpc-java; and one panel the traffic gateway asks for that
        // does not exist (yet) would hold back every other panel's endpoints.
        false,
        scoped,
        knownResourceNames,
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    DeltaXdsRequest scoped =
        DeltaXdsRequest.create(request.v3Request().toBuilder().setNode(callerNode()).build());
    return cache.createDeltaWatch(
        scoped,
        requesterVersion,
        resourceVersions,
        pendingResources,
        isWildcard,
        responseConsumer,
        hasClusterChanged);
  }

  private Node callerNode() {
    String group = group(AuthContext.principal());
    ensureGroup.accept(group);
    return Node.newBuilder().setId(group).build();
  }
}
