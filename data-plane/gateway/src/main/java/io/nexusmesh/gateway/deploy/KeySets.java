package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.gateway.v1.KeySetState;
import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RMap;

/**
 * The API keys this gateway accepts: one {@link KeySet} per organisation, each stamped with the
 * organisation's key generation. A set replaces the one held only when its generation is higher, so
 * a push built before a key was created or revoked can never undo one built after it, whatever
 * order they arrive in. Mirrored in Redis under the gateway's id so a restart keeps them.
 */
final class KeySets implements ApiKeyVerifier {
  private record KeyEntry(String org, ApiKeyHash hash) {}

  private final Mirror<KeySet> mirror;
  private final Map<String, KeySet> byOrg = new ConcurrentHashMap<>();
  private volatile Map<String, KeyEntry> byKeyId = Map.of();

  KeySets(RMap<String, byte[]> mirror) {
    this.mirror = new Mirror<>(requireNonNull(mirror, "mirror"), KeySet.parser());
  }

  /** Loads the key sets held before a restart. */
  void load() {
    byOrg.putAll(mirror.readAll());
    reindex();
  }

  /**
   * Holds {@code keySet} unless the organisation's held set is as new or newer; returns the key
   * generation held afterwards.
   */
  synchronized long apply(KeySet keySet) {
    KeySet held = byOrg.get(keySet.getOrg());
    if (held != null && held.getGeneration() >= keySet.getGeneration()) {
      return held.getGeneration();
    }
    mirror.put(keySet.getOrg(), keySet);
    byOrg.put(keySet.getOrg(), keySet);
    reindex();
    return keySet.getGeneration();
  }

  /** The key generation held per organisation. */
  Map<String, Long> generations() {
    Map<String, Long> out = new java.util.TreeMap<>();
    byOrg.forEach((org, set) -> out.put(org, set.getGeneration()));
    return out;
  }

  /** What is held per organisation, without the hashes, optionally of one organisation. */
  List<KeySetState> states(String org) {
    return byOrg.values().stream()
        .filter(k -> org.isEmpty() || k.getOrg().equals(org))
        .sorted(Comparator.comparing(KeySet::getOrg))
        .map(
            k ->
                KeySetState.newBuilder()
                    .setOrg(k.getOrg())
                    .setGeneration(k.getGeneration())
                    .setKeyCount(k.getApiKeysCount())
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
        (org, set) ->
            set.getApiKeysList().forEach(h -> index.put(h.getKeyId(), new KeyEntry(org, h))));
    byKeyId = Map.copyOf(index);
  }
}
