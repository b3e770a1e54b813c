package io.nexusmesh.controlplane.panel;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.controlplane.store.PanelCredentialStore;
import io.nexusmesh.runtime.auth.ApiKeyVerifier;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.auth.ServiceRoles;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Issues and checks panel credentials ({@code nxp_<id>_<secret>}, the API keys' format): a
 * credential speaks for one panel of one organisation (subject {@code panel:<name>}, role {@code
 * panel}), lives for a short time, and dies with its panel (deleting a panel deletes its rows).
 * Only the SHA-256 of a credential is stored.
 */
@Component
public class PanelCredentials implements ApiKeyVerifier {
  /** The subject prefix of a panel's principal. */
  public static final String SUBJECT_PREFIX = "panel:";

  /** How long a credential lives when the request does not say. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);

  private final PanelCredentialStore store;
  private final Clock clock;

  public PanelCredentials(PanelCredentialStore store, Clock clock) {
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
  }

  /** A newly issued credential (shown once) and its expiry. */
  public record Issued(String credential, Instant expireTime) {}

  /** Issues a credential for the panel; call it in the transaction of the audited change. */
  public Issued issue(String org, String panel, Duration ttl, Instant now) {
    ApiKeys.NewKey key = ApiKeys.generate(ApiKeys.PANEL_PREFIX);
    Instant expiry = now.plus(ttl);
    store.insert(key.id(), org, panel, key.sha256(), now, expiry);
    return new Issued(key.secret(), expiry);
  }

  /** The panel a principal speaks for. */
  public static String panelOf(Principal principal) {
    if (principal.kind() != PrincipalKind.PANEL
        || !principal.subject().startsWith(SUBJECT_PREFIX)) {
      throw new IllegalStateException("not a panel's principal: " + principal.subject());
    }
    return principal.subject().substring(SUBJECT_PREFIX.length());
  }

  @Override
  public Optional<Principal> verify(String presented) {
    return ApiKeys.idOf(presented)
        .flatMap(store::find)
        .filter(row -> ApiKeys.matches(presented, row.sha256()))
        .filter(row -> row.expireTime().isAfter(clock.instant()))
        .map(
            row ->
                new Principal(
                    SUBJECT_PREFIX + row.panel(),
                    row.org(),
                    Set.of(ServiceRoles.PANEL),
                    Set.of(Audiences.MANAGEMENT),
                    PrincipalKind.PANEL,
                    Set.of()));
  }
}
