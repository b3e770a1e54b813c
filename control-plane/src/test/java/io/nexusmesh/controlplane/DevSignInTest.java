package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Status;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.controlplane.console.DevAuthorizationServer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's dev sign-in over HTTP, as a browser and the console page drive it against a real
 * control plane: the one-time link, the authorization code with PKCE, the browser session that may
 * switch org and role, the refresh grant for the gateway audience, revocation, and every way a
 * request is refused. Tokens it issues are used on the gRPC API.
 */
class DevSignInTest {
  private static final String VERIFIER = "a-verifier-of-at-least-forty-three-characters-0123456789";
  private static final String CLIENT = "nexus-console";

  private static ControlPlaneHarness cp;
  private static final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() throws Exception {
    cp = ControlPlaneHarness.start();
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
  }

  private static String redirectUri() {
    return baseUrl() + "/console/";
  }

  private static HttpResponse<String> authorize(Map<String, String> extra, Optional<String> cookie)
      throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("client_id", CLIENT);
    params.put("redirect_uri", redirectUri());
    params.put("response_type", "code");
    params.put("code_challenge", challengeOf(VERIFIER));
    params.put("code_challenge_method", "S256");
    params.put("state", "s-1");
    params.putAll(extra);
    var request =
        HttpRequest.newBuilder(
            URI.create(baseUrl() + "/dev-issuer/protocol/openid-connect/auth?" + form(params)));
    cookie.ifPresent(c -> request.header("cookie", c));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> query(HttpResponse<String> redirect) {
    assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
    String location = redirect.headers().firstValue("location").orElseThrow();
    assertThat(location).startsWith(redirectUri());
    return java.util.Arrays.stream(URI.create(location).getRawQuery().split("&"))
        .map(pair -> pair.split("=", 2))
        .collect(
            Collectors.toMap(
                p -> p[0],
                p -> URLDecoder.decode(p.length > 1 ? p[1] : "", StandardCharsets.UTF_8)));
  }

  private static String sessionCookie(HttpResponse<String> redirect) {
    String setCookie = redirect.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).containsIgnoringCase("HttpOnly").contains("SameSite=Lax");
    return setCookie.split(";", 2)[0];
  }

  private static HttpResponse<String> token(Map<String, String> params) throws Exception {
    return postForm("token", params);
  }

  /** A form POST to one of the dev issuer's OAuth endpoints, as the console's page sends it. */
  private static HttpResponse<String> postForm(String endpoint, Map<String, String> params)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(baseUrl() + "/dev-issuer/protocol/openid-connect/" + endpoint))
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(params)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, Object> json(HttpResponse<String> response) throws Exception {
    return JSONObjectUtils.parse(response.body());
  }

  private static String form(Map<String, String> params) {
    return params.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static Map<String, String> codeGrant(String code) {
    return Map.of(
        "grant_type", "authorization_code",
        "client_id", CLIENT,
        "code", code,
        "redirect_uri", redirectUri(),
        "code_verifier", VERIFIER);
  }

  @Test
  void aSignInLinkSignsInOnceAndItsTokensWorkOnTheApi() throws Exception {
    String link = signIn().signInLink("dev-user", "demo", "admin");

    HttpResponse<String> first = authorize(Map.of("sign_in", link), Optional.empty());
    Map<String, String> back = query(first);
    assertThat(back).containsEntry("state", "s-1").containsEntry("iss", issuer());
    sessionCookie(first);
    HttpResponse<String> tokens = token(codeGrant(back.get("code")));
    assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
    assertThat(tokens.headers().firstValue("cache-control")).hasValue("no-store");
    Map<String, Object> body = json(tokens);
    String access = (String) body.get("access_token");
    var claims = SignedJWT.parse(access).getJWTClaimsSet();
    assertThat(claims.getAudience()).containsExactly("nexus-management");
    assertThat(claims.getStringClaim("org")).isEqualTo("demo");
    assertThat(body).containsEntry("token_type", "Bearer").containsKey("refresh_token");

    // The token works on the management API...
    assertThat(listWorkflows(access)).isEqualTo(Status.Code.OK);
    // ...and the refresh grant mints a gateway token (RFC 8707's resource), which does not.
    HttpResponse<String> gateway =
        token(
            Map.of(
                "grant_type",
                "refresh_token",
                "client_id",
                CLIENT,
                "refresh_token",
                (String) body.get("refresh_token"),
                "resource",
                "nexus-gateway"));
    String gatewayToken = (String) json(gateway).get("access_token");
    assertThat(SignedJWT.parse(gatewayToken).getJWTClaimsSet().getAudience())
        .containsExactly("nexus-gateway");
    assertThat(listWorkflows(gatewayToken)).isEqualTo(Status.Code.UNAUTHENTICATED);

    // Spent: the link and the code each work once.
    assertThat(query(authorize(Map.of("sign_in", link), Optional.empty())))
        .containsEntry("error", "access_denied");
    assertThat(json(token(codeGrant(back.get("code"))))).containsEntry("error", "invalid_grant");
  }

  @Test
  void theBrowserSessionSignsInAgainAndSwitchesOrgAndRole() throws Exception {
    HttpResponse<String> first =
        authorize(
            Map.of("sign_in", signIn().signInLink("dev-user", "demo", "admin")), Optional.empty());
    String cookie = sessionCookie(first);

    Map<String, String> silent = query(authorize(Map.of("prompt", "none"), Optional.of(cookie)));
    assertThat(silent).containsKey("code");
    Map<String, String> switched =
        query(authorize(Map.of("org", "acme", "role", "viewer"), Optional.of(cookie)));
    var claims =
        SignedJWT.parse((String) json(token(codeGrant(switched.get("code")))).get("access_token"))
            .getJWTClaimsSet();
    assertThat(claims.getStringClaim("org")).isEqualTo("acme");
    assertThat(claims.getJSONObjectClaim("realm_access").get("roles"))
        .isEqualTo(java.util.List.of("viewer"));

    assertThat(query(authorize(Map.of("org", "acme", "role", "root"), Optional.of(cookie))))
        .containsEntry("error", "invalid_request")
        .extractingByKey("error_description")
        .asString()
        .contains("role");
    assertThat(query(authorize(Map.of("prompt", "none"), Optional.empty())))
        .containsEntry("error", "login_required");
  }

  @Test
  void refusesWrongVerifiersForeignRedirectsAndRevokedRefreshTokens() throws Exception {
    Map<String, String> back =
        query(
            authorize(
                Map.of("sign_in", signIn().signInLink("dev-user", "demo", "admin")),
                Optional.empty()));
    Map<String, String> wrongVerifier = new LinkedHashMap<>(codeGrant(back.get("code")));
    wrongVerifier.put("code_verifier", VERIFIER.replace('a', 'b'));
    HttpResponse<String> refused = token(wrongVerifier);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused)).containsEntry("error", "invalid_grant");

    HttpResponse<String> foreign =
        authorize(Map.of("redirect_uri", "http://evil.example/console/"), Optional.empty());
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.headers().firstValue("location")).isEmpty();

    Map<String, String> again =
        query(
            authorize(
                Map.of("sign_in", signIn().signInLink("dev-user", "demo", "admin")),
                Optional.empty()));
    String refresh = (String) json(token(codeGrant(again.get("code")))).get("refresh_token");
    assertThat(postForm("revoke", Map.of("client_id", CLIENT, "token", refresh)).statusCode())
        .isEqualTo(200);
    assertThat(
            json(
                token(
                    Map.of(
                        "grant_type",
                        "refresh_token",
                        "client_id",
                        CLIENT,
                        "refresh_token",
                        refresh))))
        .containsEntry("error", "invalid_grant");
  }

  @Test
  void servesTheConsoleAndTellsItWhereToSignIn() throws Exception {
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl() + "/console/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<div id=\"root\">");
    assertThat(page.headers().firstValue("referrer-policy")).hasValue("no-referrer");
    assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
    // A route of the page itself answers with the page.
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl() + "/console/executions/x")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .contains("<div id=\"root\">");
    Map<String, Object> config =
        json(
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/console/config.json")).build(),
                HttpResponse.BodyHandlers.ofString()));
    assertThat(config)
        .containsEntry("issuer", issuer())
        .containsEntry("clientId", CLIENT)
        .containsEntry("devSignIn", true);
    HttpResponse<String> shortUrl =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl() + "/console?sign_in=abc")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(shortUrl.headers().firstValue("location")).hasValue("/console/?sign_in=abc");
    Map<String, Object> discovery =
        json(
            http.send(
                HttpRequest.newBuilder(URI.create(issuer() + "/.well-known/openid-configuration"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
    assertThat(discovery)
        .containsEntry("authorization_endpoint", issuer() + "/protocol/openid-connect/auth")
        .containsEntry("code_challenge_methods_supported", java.util.List.of("S256"));
  }

  private static Status.Code listWorkflows(String token) {
    return ControlPlaneHarness.codeOf(
        () ->
            cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), token)
                .listWorkflows(ListWorkflowsRequest.getDefaultInstance()));
  }

  private static String challengeOf(String verifier) throws Exception {
    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(verifier.getBytes(StandardCharsets.US_ASCII));
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  private static String baseUrl() {
    return "http://127.0.0.1:" + cp.port;
  }

  private static String issuer() {
    return baseUrl() + "/dev-issuer";
  }

  private static DevAuthorizationServer signIn() {
    return cp.context.getBean(DevAuthorizationServer.class);
  }
}
