package io.nexusmesh.runtime.auth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.NexusException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies OIDC bearer tokens (JWTs) against an issuer's JWKS with Nimbus JOSE: signature by a key
 * of the issuer (keys cached; an unknown key id triggers a rate-limited refresh, so rotated keys
 * are picked up), issuer, expiry and not-before with clock skew, and audience. Works the same for
 * Keycloak and for Nexus Mesh's built-in dev issuer.
 */
public final class JwtVerifier {
  private static final Set<JWSAlgorithm> ACCEPTED_ALGORITHMS =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.EdDSA);

  private final Options options;
  private volatile @Nullable DefaultJWTProcessor<SecurityContext> processor;

  /**
   * How to verify tokens.
   *
   * @param issuer the expected {@code iss}; its discovery document names the JWKS unless {@code
   *     jwksUri} is given
   * @param jwksUri the JWKS location, or null to discover it from the issuer
   * @param audience the audience every accepted token must carry
   * @param orgClaim the claim holding the organisation, usually {@code org}
   * @param clockSkew tolerated clock difference for {@code exp} and {@code nbf}
   * @param keyRefreshInterval the shortest time between two JWKS fetches triggered by unknown key
   *     ids (rotation), so forged key ids cannot make us hammer the issuer; zero for none
   */
  public record Options(
      URI issuer,
      @Nullable URI jwksUri,
      String audience,
      String orgClaim,
      Duration clockSkew,
      Duration keyRefreshInterval) {
    public Options {
      requireNonNull(issuer, "issuer");
      requireNonNull(audience, "audience");
      requireNonNull(orgClaim, "orgClaim");
      requireNonNull(clockSkew, "clockSkew");
      requireNonNull(keyRefreshInterval, "keyRefreshInterval");
    }

    /** Options with discovery, the {@code org} claim, 30 s of clock skew and of key refresh. */
    public static Options of(URI issuer, String audience) {
      return new Options(
          issuer, null, audience, "org", Duration.ofSeconds(30), Duration.ofSeconds(30));
    }
  }

  public JwtVerifier(Options options) {
    this.options = requireNonNull(options, "options");
  }

  /** Verifies {@code token} and returns its principal. */
  public Principal verify(String token) {
    JWTClaimsSet claims;
    try {
      claims = processor().process(token, null);
    } catch (KeySourceException e) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_UNAVAILABLE, "the token issuer's keys could not be fetched")
          .withCause(e);
    } catch (ParseException | BadJOSEException | JOSEException e) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "invalid token: " + e.getMessage())
          .withCause(e);
    }
    List<String> audiences = claims.getAudience();
    if (audiences == null || !audiences.contains(options.audience())) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_WRONG_AUDIENCE,
          "token audience " + audiences + " does not include " + options.audience());
    }
    String org = stringClaim(claims.getClaim(options.orgClaim()));
    if (org == null || org.isBlank()) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_CREDENTIALS_INVALID,
          "token has no '" + options.orgClaim() + "' claim");
    }
    return new Principal(
        claims.getSubject(), org, roles(claims), Set.copyOf(audiences), kind(claims), Set.of());
  }

  private DefaultJWTProcessor<SecurityContext> processor() {
    DefaultJWTProcessor<SecurityContext> p = processor;
    if (p == null) {
      synchronized (this) {
        p = processor;
        if (p == null) {
          p = newProcessor();
          processor = p;
        }
      }
    }
    return p;
  }

  private DefaultJWTProcessor<SecurityContext> newProcessor() {
    URL jwks = toUrl(options.jwksUri() != null ? options.jwksUri() : discoverJwksUri());
    var builder = JWKSourceBuilder.<SecurityContext>create(jwks).retrying(true);
    builder =
        options.keyRefreshInterval().isZero()
            ? builder.rateLimited(false)
            : builder.rateLimited(options.keyRefreshInterval().toMillis());
    JWKSource<SecurityContext> keys = builder.build();
    var p = new DefaultJWTProcessor<SecurityContext>();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(ACCEPTED_ALGORITHMS, keys));
    var verifier =
        new DefaultJWTClaimsVerifier<SecurityContext>(
            null,
            new JWTClaimsSet.Builder().issuer(options.issuer().toString()).build(),
            Set.of("sub", "exp", "iat"),
            null);
    verifier.setMaxClockSkew((int) options.clockSkew().toSeconds());
    p.setJWTClaimsSetVerifier(verifier);
    return p;
  }

  private URI discoverJwksUri() {
    String base = options.issuer().toString();
    URI discovery =
        URI.create(
            (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + "/.well-known/openid-configuration");
    try {
      String body =
          new DefaultResourceRetriever(5_000, 5_000, 1_000_000)
              .retrieveResource(toUrl(discovery))
              .getContent();
      Map<String, Object> doc = JSONObjectUtils.parse(body);
      if (!(doc.get("jwks_uri") instanceof String jwksUri)) {
        throw new IllegalStateException(discovery + " has no jwks_uri");
      }
      return URI.create(jwksUri);
    } catch (IOException | ParseException e) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_UNAVAILABLE, "the token issuer could not be reached")
          .withCause(e);
    }
  }

  private static URL toUrl(URI uri) {
    try {
      return uri.toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not a URL: " + uri, e);
    }
  }

  /** Roles from Keycloak's {@code realm_access.roles} and from a plain {@code roles} claim. */
  private static Set<String> roles(JWTClaimsSet claims) {
    Set<String> roles = new HashSet<>();
    if (claims.getClaim("realm_access") instanceof Map<?, ?> realmAccess
        && realmAccess.get("roles") instanceof Collection<?> realmRoles) {
      realmRoles.forEach(r -> roles.add(String.valueOf(r)));
    }
    if (claims.getClaim("roles") instanceof Collection<?> plainRoles) {
      plainRoles.forEach(r -> roles.add(String.valueOf(r)));
    }
    return roles;
  }

  private static PrincipalKind kind(JWTClaimsSet claims) {
    Object username = claims.getClaim("preferred_username");
    boolean serviceAccount =
        username instanceof String s && s.startsWith("service-account-")
            || "service".equals(claims.getClaim("nexus_kind"));
    return serviceAccount ? PrincipalKind.SERVICE : PrincipalKind.USER;
  }

  private static @Nullable String stringClaim(@Nullable Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Collection<?> c && c.size() == 1) {
      return String.valueOf(c.iterator().next());
    }
    return null;
  }
}
