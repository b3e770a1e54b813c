package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * A started panel's credential Secret, which its sidecar reads at start (its credential, and the
 * Redis URL with its password): the one the cluster holds while its credential has more than {@link
 * #RENEW_BEFORE} left (so applying it again writes nothing), else one with a credential freshly
 * issued for {@link #TTL}. A running sidecar renews its own credential in memory; the Secret only
 * has to be good when a sidecar (re)starts.
 */
public final class CredentialSecrets {
  /** The annotation holding when the Secret's credential stops working. */
  public static final String EXPIRES = "nexus.io/credential-expires";

  /** How long an issued credential lives (the longest PanelService allows). */
  public static final Duration TTL = Duration.ofHours(24);

  /** How long before its expiry a credential is replaced. */
  public static final Duration RENEW_BEFORE = Duration.ofHours(12);

  /** Issues a credential for a panel (and records it, as PanelCredentials does). */
  @FunctionalInterface
  public interface Issuer {
    /** A new credential of panel {@code name} of {@code org}, good for {@code ttl}. */
    Issued issue(String org, String name, Duration ttl);
  }

  /** An issued credential and when it stops working. */
  public record Issued(String credential, Instant expireTime) {}

  private final Issuer issuer;

  public CredentialSecrets(Issuer issuer) {
    this.issuer = requireNonNull(issuer, "issuer");
  }

  /** The Secret {@code panel} should have, given the one the cluster holds ({@code live}). */
  public Secret desired(DesiredPanel panel, Optional<GenericKubernetesResource> live, Instant now) {
    Optional<Held> held = live.flatMap(CredentialSecrets::held);
    Held credential =
        held.filter(h -> h.expires().isAfter(now.plus(RENEW_BEFORE)))
            .orElseGet(
                () -> {
                  Issued issued = issuer.issue(panel.org(), panel.name(), TTL);
                  return new Held(
                      Base64.getEncoder()
                          .encodeToString(issued.credential().getBytes(StandardCharsets.UTF_8)),
                      issued.expireTime());
                });
    return new SecretBuilder()
        .withNewMetadata()
        .withName(PanelPods.credentialSecret(panel))
        .withNamespace(panel.cluster().namespace())
        .withLabels(PanelNames.labels(panel))
        .withAnnotations(Map.of(EXPIRES, credential.expires().toString()))
        .endMetadata()
        .withType("Opaque")
        .withData(
            Map.of(
                PanelPods.CREDENTIAL_KEY,
                credential.base64(),
                PanelPods.REDIS_URL_KEY,
                Base64.getEncoder()
                    .encodeToString(panel.cluster().redisUrl().getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  private record Held(String base64, Instant expires) {}

  private static Optional<Held> held(GenericKubernetesResource live) {
    Map<String, String> annotations = live.getMetadata().getAnnotations();
    Object data = live.getAdditionalProperties().get("data");
    if (annotations == null
        || !annotations.containsKey(EXPIRES)
        || !(data instanceof Map<?, ?> values)
        || !(values.get(PanelPods.CREDENTIAL_KEY) instanceof String base64)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Held(base64, Instant.parse(annotations.get(EXPIRES))));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
