package io.nexusmesh.sidecar;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.DomainSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The panel's user server as the sidecar reaches it: over loopback TCP ({@code
 * http://127.0.0.1:8080} in a pod) or through a Unix socket that leads there (on a laptop, into the
 * panel's network namespace). Every request carries the per-run app token ({@value #TOKEN_HEADER}),
 * which the sidecar hands the user server at start so it can refuse callers that are not its
 * sidecar.
 */
public final class PanelApp implements AutoCloseable {
  /** The header that carries the app token. */
  public static final String TOKEN_HEADER = "X-Nexus-App-Token";

  private final ClientFactory factory;
  private final WebClient client;
  private final Endpoint endpoint;
  private final String appToken;

  private PanelApp(ClientFactory factory, WebClient client, Endpoint endpoint, String appToken) {
    this.factory = factory;
    this.client = client;
    this.endpoint = endpoint;
    this.appToken = appToken;
  }

  /** The app at {@code app} ({@code http://host:port} or {@code unix:/path}). */
  public static PanelApp at(String app, String appToken) {
    requireNonNull(appToken, "appToken");
    ClientFactory factory =
        ClientFactory.builder()
            .connectTimeout(Duration.ofSeconds(2))
            .idleTimeout(Duration.ofSeconds(30))
            .build();
    Endpoint endpoint;
    if (app.startsWith("unix:")) {
      endpoint = DomainSocketAddress.of(app.substring("unix:".length())).asEndpoint();
    } else {
      URI uri = URI.create(app);
      endpoint = Endpoint.of(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    }
    WebClient client =
        WebClient.builder(SessionProtocol.H1C, endpoint)
            .factory(factory)
            .addHeader(TOKEN_HEADER, appToken)
            .build();
    return new PanelApp(factory, client, endpoint, appToken);
  }

  /** A fresh random app token (hex, 256 bits). */
  public static String newAppToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Where the user server listens. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** The token the user server expects in {@value #TOKEN_HEADER}. */
  public String appToken() {
    return appToken;
  }

  /** The client, with the app token on every request. */
  public WebClient client() {
    return client;
  }

  @Override
  public void close() {
    factory.close();
  }
}
