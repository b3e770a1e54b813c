package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.gateway.v1.KeySetState;
import io.nexusmesh.api.gateway.v1.PanelRoute;
import io.nexusmesh.api.gateway.v1.SealedSecret;
import io.nexusmesh.gateway.engine.OrgAccess;
import io.nexusmesh.gateway.panel.ReachablePanel;
import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.egress.EgressPolicy;
import io.nexusmesh.runtime.secrets.SecretSealing;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each organisation's access material on this gateway, one {@link KeySet} per organisation stamped
 * with its key generation: the API keys it accepts, the egress destinations its workflows may
 * reach, and its secrets, opened with this gateway's private key and held in memory only. A set
 * replaces the one held only when its generation is higher, so a push built before a change can
 * never undo one built after it, whatever order they arrive in; the one exception is the same
 * generation sealed to this run's key replacing one whose secrets this run cannot open. Mirrored in
 * Redis under the gateway's id (secrets sealed, as pushed) so a restart keeps keys and policy.
 */
final class KeySets implements ApiKeyVerifier {
  private static final Logger log = LoggerFactory.getLogger(KeySets.class);

  private record KeyEntry(String org, ApiKeyHash hash) {}

  /** A held set with what it means: its policy and its opened secrets. */
  private record Held(
      KeySet set,
      EgressPolicy policy,
      Map<String, String> secrets,
      boolean readable,
      Map<String, ReachablePanel> panels) {}

  private final Mirror<KeySet> mirror;
  private final SecretSealing.Recipient recipient;
  private final EgressPolicy.MeshEndpoints mesh;
  private final EgressPolicy defaultPolicy;
  private final Map<String, Held> byOrg = new ConcurrentHashMap<>();
  private volatile Map<String, KeyEntry> byKeyId = Map.of();

  KeySets(
      RMap<String, byte[]> mirror,
      SecretSealing.Recipient recipient,
      EgressPolicy.MeshEndpoints mesh) {
    this.mirror = new Mirror<>(requireNonNull(mirror, "mirror"), KeySet.parser());
    this.recipient = requireNonNull(recipient, "recipient");
    this.mesh = requireNonNull(mesh, "mesh");
    this.defaultPolicy = EgressPolicy.of(List.of(), mesh);
  }

  /** Loads the key sets held before a restart. */
  void load() {
    mirror.readAll().forEach((org, set) -> byOrg.put(org, open(set)));
    reindex();
  }

  /**
   * Holds {@code keySet} unless the organisation's held set is as new or newer; returns the key
   * generation held afterwards.
   */
  synchronized long apply(KeySet keySet) {
    Held held = byOrg.get(keySet.getOrg());
    if (held != null && held.set().getGeneration() > keySet.getGeneration()) {
      return held.set().getGeneration();
    }
    if (held != null && held.set().getGeneration() == keySet.getGeneration()) {
      if (held.readable() || !sealedToMe(keySet)) {
        return held.set().getGeneration();
      }
    }
    Held opened = open(keySet);
    mirror.put(keySet.getOrg(), keySet);
    byOrg.put(keySet.getOrg(), opened);
    reindex();
    return keySet.getGeneration();
  }

  /** The organisation's egress policy. */
  EgressPolicy policy(String org) {
    Held held = byOrg.get(org);
    return held == null ? defaultPolicy : held.policy();
  }

  /** The organisation's secret {@code name}. */
  OrgAccess.SecretLookup secret(String org, String name) {
    Held held = byOrg.get(org);
    if (held == null) {
      return new OrgAccess.SecretLookup.Missing();
    }
    String value = held.secrets().get(name);
    if (value != null) {
      return new OrgAccess.SecretLookup.Found(value);
    }
    return held.readable()
        ? new OrgAccess.SecretLookup.Missing()
        : new OrgAccess.SecretLookup.NotYetDelivered();
  }

  /**
   * The organisation's panel of that name, when it has a running instance this gateway can call.
   */
  Optional<ReachablePanel> panel(String org, String panel) {
    Held held = byOrg.get(org);
    return held == null ? Optional.empty() : Optional.ofNullable(held.panels().get(panel));
  }

  /** The organisation's panels this gateway can call, by name. */
  List<ReachablePanel> panels(String org) {
    Held held = byOrg.get(org);
    return held == null
        ? List.of()
        : held.panels().values().stream()
            .sorted(Comparator.comparing(ReachablePanel::panel))
            .toList();
  }

  /** The key generation held per organisation. */
  Map<String, Long> generations() {
    Map<String, Long> out = new java.util.TreeMap<>();
    byOrg.forEach((org, held) -> out.put(org, held.set().getGeneration()));
    return out;
  }

  private boolean sealedToMe(KeySet set) {
    return (set.getSecretsCount() == 0 && set.getPanelsCount() == 0)
        || set.getSecretsRecipient().equals(recipient.fingerprint());
  }

  private Held open(KeySet set) {
    EgressPolicy policy = EgressPolicy.parse(set.getEgressAllowList(), mesh);
    if (!sealedToMe(set)) {
      return new Held(set, policy, Map.of(), false, Map.of());
    }
    Map<String, String> secrets = new HashMap<>();
    boolean readable = true;
    for (SealedSecret sealed : set.getSecretsList()) {
      try {
        secrets.put(
            sealed.getName(),
            recipient.open(
                set.getOrg(),
                sealed.getName(),
                sealed.getVersion(),
                sealed.getCiphertext().toByteArray()));
      } catch (GeneralSecurityException e) {
        readable = false;
        log.warn(
            "secret {} of org {} does not open with this gateway's key; not held",
            sealed.getName(),
            set.getOrg());
      }
    }
    Map<String, ReachablePanel> panels = new HashMap<>();
    for (PanelRoute route : set.getPanelsList()) {
      try {
        byte[] key =
            recipient.openInvokeKey(
                set.getOrg(),
                route.getPanel(),
                route.getInstance(),
                route.getSealedInvokeKey().toByteArray());
        panels.put(
            route.getPanel(),
            new ReachablePanel(
                set.getOrg(),
                route.getPanel(),
                route.getEndpoint(),
                route.getInstance(),
                route.getToolsList(),
                Base64.getUrlEncoder().withoutPadding().encodeToString(key)));
      } catch (GeneralSecurityException e) {
        readable = false;
        log.warn(
            "the invoke key of panel {} of org {} does not open with this gateway's key",
            route.getPanel(),
            set.getOrg());
      }
    }
    return new Held(set, policy, Map.copyOf(secrets), readable, Map.copyOf(panels));
  }

  /** What is held per organisation, without the hashes, optionally of one organisation. */
  List<KeySetState> states(String org) {
    return byOrg.values().stream()
        .filter(h -> org.isEmpty() || h.set().getOrg().equals(org))
        .sorted(Comparator.comparing(h -> h.set().getOrg()))
        .map(
            h ->
                KeySetState.newBuilder()
                    .setOrg(h.set().getOrg())
                    .setGeneration(h.set().getGeneration())
                    .setKeyCount(h.set().getApiKeysCount())
                    .addAllEgressAllow(h.set().getEgressAllowList())
                    .addAllSecretNames(
                        h.set().getSecretsList().stream().map(SealedSecret::getName).toList())
                    .setSecretsReadable(h.readable())
                    .build())
        .toList();
  }

  @Override
  public Optional<Principal> verify(String presentedKey) {
    Optional<String> id = ApiKeys.idOf(presentedKey);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    KeyEntry entry = byKeyId.get(id.get());
    if (entry == null || !ApiKeys.matches(presentedKey, entry.hash().getSha256())) {
      return Optional.empty();
    }
    return Optional.of(
        new Principal(
            "apikey:" + id.get(),
            entry.org(),
            Set.of(),
            Set.of(Audiences.GATEWAY),
            PrincipalKind.API_KEY,
            Set.copyOf(entry.hash().getAllowedWorkflowIdsList())));
  }

  private void reindex() {
    Map<String, KeyEntry> index = new HashMap<>();
    byOrg.forEach(
        (org, held) ->
            held.set()
                .getApiKeysList()
                .forEach(h -> index.put(h.getKeyId(), new KeyEntry(org, h))));
    byKeyId = Map.copyOf(index);
  }
}
