package io.nexusmesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nexusmesh.testing.KeycloakExtension;
import io.nexusmesh.testing.KeycloakServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.CookieHandler;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nexus login} against a real Keycloak (started by the fixtures; realm {@code nexus}, public
 * client {@code nexus-cli} with the device grant): the CLI, a separate process, shows a URL and a
 * code; a person (here an HTTP client filling in Keycloak's login form) approves; the CLI saves the
 * token as the current context.
 */
@ExtendWith(KeycloakExtension.class)
class LoginIT {
  private static final Pattern PROMPT = Pattern.compile("Open (\\S+) and enter the code (\\S+)");
  private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*action=\"([^\"]+)\"");

  @Test
  void deviceLoginSavesTheApprovedTokenAsTheCurrentContext(
      KeycloakServer keycloak, @TempDir Path home) throws Exception {
    URI issuer = keycloak.issuer("nexus");
    ProcessBuilder builder =
        new ProcessBuilder(
                NexusProcess.ROOT.resolve("nexus").toString(),
                "login",
                "--issuer",
                issuer.toString(),
                "--context",
                "keycloak")
            .directory(NexusProcess.ROOT.toFile())
            .redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("NEXUS_"));
    builder.environment().put("NEXUS_HOME", home.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process login = builder.start();
    StringBuilder output = new StringBuilder();
    try (var lines =
        new BufferedReader(new InputStreamReader(login.getInputStream(), StandardCharsets.UTF_8))) {
      Matcher prompt = null;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        output.append(line).append('\n');
        Matcher m = PROMPT.matcher(line);
        if (m.find()) {
          prompt = m;
          break;
        }
      }
      assertThat(prompt).as("the CLI's prompt in: %s", output).isNotNull();
      approve(URI.create(prompt.group(1)), "alice", "alice-password");
      lines.lines().forEach(line -> output.append(line).append('\n'));
    }
    assertThat(login.waitFor(60, TimeUnit.SECONDS)).as(output.toString()).isTrue();
    assertThat(login.exitValue()).as(output.toString()).isZero();
    assertThat(output).contains("context 'keycloak' saved");

    JsonNode config =
        new ObjectMapper(new YAMLFactory()).readTree(home.resolve("config.yaml").toFile());
    assertThat(config.path("currentContext").asText()).isEqualTo("keycloak");
    String token = config.path("contexts").path("keycloak").path("token").asText();
    JsonNode claims =
        new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.path("iss").asText()).isEqualTo(issuer.toString());
    assertThat(claims.path("preferred_username").asText()).isEqualTo("alice");
  }

  /** What the person does in a browser: opens the URL, signs in, and grants access if asked. */
  private static void approve(URI verification, String user, String password) throws Exception {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new PlainHttpCookies())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    HttpResponse<String> page =
        browser.send(
            HttpRequest.newBuilder(verification).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    page = submit(browser, page, "username=" + encode(user) + "&password=" + encode(password));
    if (page.body().contains("name=\"accept\"")) {
      page = submit(browser, page, "accept=Yes");
    }
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
  }

  private static HttpResponse<String> submit(
      HttpClient browser, HttpResponse<String> page, String form) throws Exception {
    Matcher action = FORM_ACTION.matcher(page.body());
    assertThat(action.find()).as("a form in: %s", page.body()).isTrue();
    URI target = page.uri().resolve(action.group(1).replace("&amp;", "&"));
    return browser.send(
        HttpRequest.newBuilder(target)
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Keeps every cookie and sends it back. Keycloak marks its login cookies {@code Secure}, which
   * the JDK's CookieManager then withholds over the plain HTTP of a local test server; a browser
   * treats localhost as secure and sends them.
   */
  private static final class PlainHttpCookies extends CookieHandler {
    private final Map<String, String> cookies = new LinkedHashMap<>();

    @Override
    public synchronized Map<String, List<String>> get(URI uri, Map<String, List<String>> headers) {
      if (cookies.isEmpty()) {
        return Map.of();
      }
      StringBuilder header = new StringBuilder();
      cookies.forEach(
          (name, value) ->
              header.append(header.isEmpty() ? "" : "; ").append(name).append('=').append(value));
      return Map.of("Cookie", List.of(header.toString()));
    }

    @Override
    public synchronized void put(URI uri, Map<String, List<String>> headers) {
      headers.forEach(
          (name, values) -> {
            if (name != null && name.equalsIgnoreCase("set-cookie")) {
              for (String cookie : values) {
                String pair = cookie.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq > 0) {
                  cookies.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
                }
              }
            }
          });
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
