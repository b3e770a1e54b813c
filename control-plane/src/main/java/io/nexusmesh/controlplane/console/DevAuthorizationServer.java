package io.nexusmesh.controlplane.console;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The dev issuer's OAuth 2 authorization server, for the web console: the authorization code flow
 * with PKCE (S256) as Keycloak runs it, so the console has one sign-in path for both. Who signs in
 * comes from a one-time sign-in link ({@link #signInLink}, printed by {@code nexus dev}), or from
 * the browser session that link started, which may then switch to any organisation and role.
 *
 * <p>Hand-written because it is a dev tool: an OAuth server library (Spring Authorization Server)
 * would bring its own web stack for four small endpoints. Access tokens are the dev issuer's JWTs;
 * the refresh grant takes RFC 8707's {@code resource} to mint a gateway-audience token.
 */
public final class DevAuthorizationServer {
  static final String SESSION_COOKIE = "nexus_dev_session";
  private static final Duration ACCESS_TTL = Duration.ofMinutes(10);
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");

  private record Grant(DevIdentity who, String redirectUri, String challenge) {}

  private final DevTokenIssuer issuer;
  private final String clientId;
  private final ExpiringTokens<DevIdentity> signInCodes;
  private final ExpiringTokens<DevIdentity> sessions;
  private final ExpiringTokens<Grant> codes;
  private final ExpiringTokens<DevIdentity> refreshTokens;

  public DevAuthorizationServer(DevTokenIssuer issuer, String clientId, Clock clock) {
    this.issuer = requireNonNull(issuer, "issuer");
    this.clientId = requireNonNull(clientId, "clientId");
    this.signInCodes = new ExpiringTokens<>(Duration.ofHours(12), clock);
    this.sessions = new ExpiringTokens<>(Duration.ofHours(12), clock);
    this.codes = new ExpiringTokens<>(Duration.ofMinutes(1), clock);
    this.refreshTokens = new ExpiringTokens<>(Duration.ofHours(12), clock);
  }

  /**
   * A one-time code signing a browser in as {@code subject} of {@code org} with {@code roles},
   * valid 12 hours: append it to the console's URL as {@code ?sign_in=}.
   */
  public String signInLink(String subject, String org, String... roles) {
    return signInCodes.issue(new DevIdentity(subject, org, List.of(roles)));
  }

  /** What the discovery document says about this server. */
  public Map<String, Object> discovery() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("authorization_endpoint", issuer.issuer() + "/protocol/openid-connect/auth");
    doc.put("token_endpoint", issuer.issuer() + "/protocol/openid-connect/token");
    doc.put("revocation_endpoint", issuer.issuer() + "/protocol/openid-connect/revoke");
    doc.put("response_types_supported", List.of("code"));
    doc.put("grant_types_supported", List.of("authorization_code", "refresh_token"));
    doc.put("code_challenge_methods_supported", List.of("S256"));
    doc.put("token_endpoint_auth_methods_supported", List.of("none"));
    doc.put("authorization_response_iss_parameter_supported", true);
    return doc;
  }

  /** Serves the discovery document, the JWKS and this server's endpoints on {@code sb}. */
  public void serveOn(ServerBuilder sb) {
    issuer.serveOn(sb, discovery());
    String base = issuer.basePath() + "/protocol/openid-connect";
    sb.service(
        base + "/auth",
        (ctx, req) -> authorize(QueryParams.fromQueryString(ctx.query()), req.headers().cookies()));
    sb.service(base + "/token", form(this::token));
    sb.service(base + "/revoke", form(this::revoke));
  }

  private static HttpService form(java.util.function.Function<QueryParams, HttpResponse> handler) {
    return (ctx, req) -> {
      if (req.method() != HttpMethod.POST) {
        return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED);
      }
      return HttpResponse.of(
          req.aggregate()
              .thenApply(AggregatedHttpRequest::contentUtf8)
              .thenApply(body -> handler.apply(QueryParams.fromQueryString(body))));
    };
  }

  HttpResponse authorize(QueryParams params, Set<Cookie> cookies) {
    String redirectUri = params.get("redirect_uri", "");
    if (!clientId.equals(params.get("client_id")) || !isConsoleRedirect(redirectUri)) {
      return page(
          HttpStatus.BAD_REQUEST,
          "client_id must be " + clientId + " and redirect_uri the console's own URL on loopback");
    }
    String state = params.get("state", "");
    if (!"code".equals(params.get("response_type"))
        || !"S256".equals(params.get("code_challenge_method"))
        || params.get("code_challenge", "").length() < 43) {
      return back(
          redirectUri,
          state,
          "invalid_request",
          "expected response_type=code with a S256 code_challenge");
    }
    Optional<DevIdentity> signedIn =
        cookies.stream()
            .filter(c -> c.name().equals(SESSION_COOKIE))
            .findFirst()
            .flatMap(c -> sessions.peek(c.value()));
    String code = params.get("sign_in");
    if (code != null) {
      signedIn = signInCodes.take(code);
      if (signedIn.isEmpty()) {
        return back(
            redirectUri,
            state,
            "access_denied",
            "this sign-in link was used or has expired: restart ./nexus dev for a new one");
      }
    }
    if (signedIn.isEmpty()) {
      return back(
          redirectUri, state, "login_required", "open the sign-in link ./nexus dev printed");
    }
    DevIdentity who = signedIn.get();
    String org = params.get("org");
    if (org != null) {
      try {
        who = DevIdentity.asked(who.subject(), org, params.getAll("role"));
      } catch (IllegalArgumentException e) {
        return back(redirectUri, state, "invalid_request", e.getMessage());
      }
    }
    String session = sessions.issue(who);
    String authCode = codes.issue(new Grant(who, redirectUri, params.get("code_challenge", "")));
    String location =
        redirectUri
            + (redirectUri.contains("?") ? "&" : "?")
            + QueryParams.of("code", authCode, "state", state, "iss", issuer.issuer().toString())
                .toQueryString();
    Cookie cookie =
        Cookie.builder(SESSION_COOKIE, session)
            .httpOnly(true)
            .sameSite("Lax")
            .path(issuer.basePath())
            .maxAge(sessions.ttl().toSeconds())
            .build();
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.FOUND)
            .add(HttpHeaderNames.LOCATION, location)
            .add(HttpHeaderNames.SET_COOKIE, cookie.toSetCookieHeader())
            .add(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .build());
  }

  HttpResponse token(QueryParams form) {
    if (!clientId.equals(form.get("client_id"))) {
      return oauthError("invalid_client", "client_id must be " + clientId);
    }
    return switch (form.get("grant_type", "")) {
      case "authorization_code" -> {
        Optional<Grant> grant = codes.take(form.get("code", ""));
        if (grant.isEmpty()
            || !grant.get().redirectUri().equals(form.get("redirect_uri"))
            || !Pkce.verifies(form.get("code_verifier", ""), grant.get().challenge())) {
          yield oauthError(
              "invalid_grant", "unknown, used or expired code, or a wrong code_verifier");
        }
        DevIdentity who = grant.get().who();
        yield tokens(who, Audiences.MANAGEMENT, refreshTokens.issue(who));
      }
      case "refresh_token" -> {
        String refresh = form.get("refresh_token", "");
        Optional<DevIdentity> who = refreshTokens.peek(refresh);
        if (who.isEmpty()) {
          yield oauthError("invalid_grant", "unknown, revoked or expired refresh_token");
        }
        String audience = form.get("resource", Audiences.MANAGEMENT);
        if (!audience.equals(Audiences.MANAGEMENT) && !audience.equals(Audiences.GATEWAY)) {
          yield oauthError(
              "invalid_target",
              "resource: "
                  + audience
                  + " (expected: "
                  + Audiences.MANAGEMENT
                  + " or "
                  + Audiences.GATEWAY
                  + ")");
        }
        yield tokens(who.get(), audience, refresh);
      }
      default ->
          oauthError("unsupported_grant_type", "expected authorization_code or refresh_token");
    };
  }

  HttpResponse revoke(QueryParams form) {
    refreshTokens.revoke(form.get("token", ""));
    return HttpResponse.of(HttpStatus.OK);
  }

  private HttpResponse tokens(DevIdentity who, String audience, String refreshToken) {
    String access =
        issuer.mint(
            new DevTokenIssuer.TokenRequest(
                who.subject(), who.org(), who.roles(), List.of(audience), ACCESS_TTL, Map.of()));
    return json(
        HttpStatus.OK,
        Map.of(
            "access_token",
            access,
            "token_type",
            "Bearer",
            "expires_in",
            ACCESS_TTL.toSeconds(),
            "refresh_token",
            refreshToken,
            "scope",
            ""));
  }

  private static boolean isConsoleRedirect(String redirectUri) {
    try {
      URI uri = URI.create(redirectUri);
      return "http".equals(uri.getScheme())
          && uri.getHost() != null
          && LOOPBACK.contains(uri.getHost())
          && uri.getRawPath() != null
          && uri.getRawPath().startsWith("/console/")
          && uri.getRawFragment() == null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private HttpResponse back(String redirectUri, String state, String error, String description) {
    String location =
        redirectUri
            + (redirectUri.contains("?") ? "&" : "?")
            + QueryParams.of(
                    "error",
                    error,
                    "error_description",
                    description,
                    "state",
                    state,
                    "iss",
                    issuer.issuer().toString())
                .toQueryString();
    return HttpResponse.ofRedirect(HttpStatus.FOUND, location);
  }

  private static HttpResponse oauthError(String error, String description) {
    return json(HttpStatus.BAD_REQUEST, Map.of("error", error, "error_description", description));
  }

  private static HttpResponse json(HttpStatus status, Map<String, Object> body) {
    return HttpResponse.of(
        ResponseHeaders.builder(status)
            .contentType(MediaType.JSON_UTF_8)
            .add(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .build(),
        com.linecorp.armeria.common.HttpData.ofUtf8(
            com.nimbusds.jose.util.JSONObjectUtils.toJSONString(body)));
  }

  private static HttpResponse page(HttpStatus status, String message) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, message);
  }
}
