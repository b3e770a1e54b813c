package io.nexusmesh.runtime.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A minimal OIDC token issuer for development and tests: it signs JWTs with a local RSA key and
 * serves its discovery document and JWKS, so its tokens are verified by {@link JwtVerifier} through
 * exactly the code path that verifies Keycloak's. Never enable it in production: anyone who can
 * reach the process can be any user.
 */
public final class DevTokenIssuer {
  /** Path of the discovery document under the issuer's base path. */
  public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

  /** Path of the JWKS under the issuer's base path. */
  public static final String JWKS_PATH = "/protocol/openid-connect/certs";

  private final URI issuer;
  private final RSAKey signingKey;

  private DevTokenIssuer(URI issuer, RSAKey signingKey) {
    this.issuer = requireNonNull(issuer, "issuer");
    this.signingKey = requireNonNull(signingKey, "signingKey");
  }

  /** An issuer with a fresh 2048-bit RSA key, whose {@code iss} is {@code issuer}. */
  public static DevTokenIssuer create(URI issuer) {
    try {
      RSAKey key =
          new RSAKeyGenerator(2048)
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(JWSAlgorithm.RS256)
              .keyID(UUID.randomUUID().toString())
              .generate();
      return new DevTokenIssuer(issuer, key);
    } catch (JOSEException e) {
      throw new IllegalStateException("could not generate an RSA key", e);
    }
  }

  /** An issuer that signs with an existing key (a JWK in JSON, private part included). */
  public static DevTokenIssuer withKey(URI issuer, String privateJwkJson) {
    try {
      return new DevTokenIssuer(issuer, RSAKey.parse(privateJwkJson));
    } catch (java.text.ParseException e) {
      throw new IllegalArgumentException("not an RSA JWK", e);
    }
  }

  /**
   * The issuer whose key is kept in {@code keyFile} (owner-only permissions), creating the key and
   * the file on first use; the control plane and the launcher share it this way.
   */
  public static synchronized DevTokenIssuer loadOrCreate(URI issuer, Path keyFile) {
    try {
      if (Files.exists(keyFile)) {
        return withKey(issuer, Files.readString(keyFile));
      }
      DevTokenIssuer created = create(issuer);
      Files.createDirectories(keyFile.toAbsolutePath().getParent());
      Path partial = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
      Files.writeString(partial, created.privateJwkJson());
      try {
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the file stays with the default permissions
      }
      Files.move(partial, keyFile, StandardCopyOption.ATOMIC_MOVE);
      return created;
    } catch (IOException e) {
      throw new UncheckedIOException("dev issuer key " + keyFile, e);
    }
  }

  public URI issuer() {
    return issuer;
  }

  /** The signing key as a JWK in JSON, private part included, for persisting it. */
  public String privateJwkJson() {
    return signingKey.toJSONString();
  }

  /** What a token should say. */
  public record TokenRequest(
      String subject,
      String org,
      Collection<String> roles,
      Collection<String> audiences,
      Duration ttl,
      Map<String, Object> extraClaims) {
    public TokenRequest {
      requireNonNull(subject, "subject");
      requireNonNull(org, "org");
      roles = List.copyOf(roles);
      audiences = List.copyOf(audiences);
      requireNonNull(ttl, "ttl");
      extraClaims = Map.copyOf(extraClaims);
    }

    /**
     * A token for a service account of {@code org} (a machine: the control plane, a gateway), for
     * one audience, marked with {@code nexus_kind: service} as {@link JwtVerifier} recognises it.
     */
    public static TokenRequest service(
        String subject, String org, String audience, Duration ttl, String... roles) {
      return new TokenRequest(
          subject, org, List.of(roles), List.of(audience), ttl, Map.of("nexus_kind", "service"));
    }

    /** A token for a person of {@code org} with {@code roles}, for one audience, valid 12 h. */
    public static TokenRequest user(String subject, String org, String audience, String... roles) {
      return new TokenRequest(
          subject, org, List.of(roles), List.of(audience), Duration.ofHours(12), Map.of());
    }
  }

  /** Signs a token. Roles go in {@code realm_access.roles}, as Keycloak puts them. */
  public String mint(TokenRequest request) {
    Instant now = Instant.now();
    var claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer.toString())
            .subject(request.subject())
            .audience(List.copyOf(request.audiences()))
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now.minusSeconds(1)))
            .expirationTime(Date.from(now.plus(request.ttl())))
            .jwtID(UUID.randomUUID().toString())
            .claim("org", request.org())
            .claim("realm_access", Map.of("roles", List.copyOf(request.roles())))
            .claim("preferred_username", request.subject());
    request.extraClaims().forEach(claims::claim);
    var jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(signingKey.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims.build());
    try {
      jwt.sign(new RSASSASigner(signingKey));
    } catch (JOSEException e) {
      throw new IllegalStateException("could not sign a token", e);
    }
    return jwt.serialize();
  }

  /** The public JWKS, as served to verifiers. */
  public String jwksJson() {
    return new JWKSet(signingKey.toPublicJWK()).toString();
  }

  /** The OIDC discovery document. */
  public String discoveryJson() {
    return discoveryJson(Map.of());
  }

  /** The OIDC discovery document with {@code more} of it (e.g. an authorization server's). */
  public String discoveryJson(Map<String, Object> more) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("issuer", issuer.toString());
    doc.put("jwks_uri", issuer + JWKS_PATH);
    doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
    doc.put("response_types_supported", List.of("token"));
    doc.put("subject_types_supported", List.of("public"));
    doc.putAll(more);
    return JSONObjectUtils.toJSONString(doc);
  }

  /**
   * Serves the discovery document and the JWKS on {@code sb} under the issuer URI's path, so the
   * issuer can live on the same port as the component that uses it.
   */
  public void serveOn(ServerBuilder sb) {
    serveOn(sb, Map.of());
  }

  /** As {@link #serveOn(ServerBuilder)}, the discovery document saying {@code moreDiscovery}. */
  public void serveOn(ServerBuilder sb, Map<String, Object> moreDiscovery) {
    sb.service(basePath() + DISCOVERY_PATH, json(discoveryJson(moreDiscovery)));
    sb.service(basePath() + JWKS_PATH, json(jwksJson()));
  }

  /** The issuer URI's path without a trailing slash: where its endpoints are served. */
  public String basePath() {
    return issuer.getPath().endsWith("/")
        ? issuer.getPath().substring(0, issuer.getPath().length() - 1)
        : issuer.getPath();
  }

  private static HttpService json(String body) {
    return (ctx, req) ->
        HttpResponse.of(com.linecorp.armeria.common.HttpStatus.OK, MediaType.JSON_UTF_8, body);
  }
}
