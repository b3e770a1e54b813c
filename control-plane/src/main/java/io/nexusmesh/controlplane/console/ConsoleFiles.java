package io.nexusmesh.controlplane.console;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import io.nexusmesh.controlplane.server.HttpEndpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web console at {@code /console/}: the files the {@code nexus-console} jar carries under
 * {@code nexus-console/}, and {@code config.json}, which tells the page its OIDC issuer and client
 * and the gateway it reaches. Every path the page routes to itself answers with its {@code
 * index.html}; the files are served with headers that keep the page from being framed and sign-in
 * codes from leaking through the referrer.
 */
public final class ConsoleFiles implements HttpEndpoint {
  /** Where the console is served. */
  public static final String PATH = "/console/";

  private static final String CLASSPATH_ROOT = "nexus-console";

  private final HttpService service;

  /**
   * @param issuer the OIDC issuer the page signs in with
   * @param clientId the page's OIDC client
   * @param gatewayUrl the gateway browsers reach, or empty
   * @param devSignIn whether the issuer is the dev issuer (the page then offers any org and role)
   */
  public ConsoleFiles(String issuer, String clientId, String gatewayUrl, boolean devSignIn) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("issuer", requireNonNull(issuer, "issuer"));
    config.put("clientId", requireNonNull(clientId, "clientId"));
    config.put("gatewayUrl", requireNonNull(gatewayUrl, "gatewayUrl"));
    config.put("devSignIn", devSignIn);
    String configJson = com.nimbusds.jose.util.JSONObjectUtils.toJSONString(config);
    ClassLoader loader = ConsoleFiles.class.getClassLoader();
    boolean built = loader.getResource(CLASSPATH_ROOT + "/index.html") != null;
    HttpService files =
        built
            ? FileService.builder(loader, CLASSPATH_ROOT)
                .serveCompressedFiles(true)
                .autoIndex(false)
                .build()
                .orElse(HttpFile.of(loader, CLASSPATH_ROOT + "/index.html").asService())
            : (ctx, req) ->
                HttpResponse.of(
                    HttpStatus.NOT_FOUND,
                    MediaType.PLAIN_TEXT_UTF_8,
                    "the console was not built into this control plane (clients/web, -Dconsole.skip)");
    HttpService configService =
        (ctx, req) ->
            HttpResponse.of(
                ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.JSON_UTF_8)
                    .add(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .build(),
                com.linecorp.armeria.common.HttpData.ofUtf8(configJson));
    HttpService routed =
        (ctx, req) ->
            ctx.mappedPath().equals("/config.json")
                ? configService.serve(ctx, req)
                : files.serve(ctx, req);
    this.service =
        routed.decorate(
            (delegate, ctx, req) -> {
              ctx.mutateAdditionalResponseHeaders(
                  headers ->
                      headers
                          .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                          .set(HttpHeaderNames.of("referrer-policy"), "no-referrer")
                          .set(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff"));
              return delegate.serve(ctx, req);
            });
  }

  @Override
  public String path() {
    return PATH;
  }

  @Override
  public HttpService service() {
    return service;
  }

  @Override
  public boolean servesSubtree() {
    return true;
  }
}
