package io.nexusmesh.testing;

import java.net.http.HttpClient;

/**
 * The JDK HTTP client as tests use it against the mesh's servers: over HTTP/1.1. Its default,
 * HTTP/2 by an h2c upgrade, lost responses against Armeria in CI now and then ("EOF reached while
 * reading", "Frame type(44) ... exceeds MAX_FRAME_SIZE" on a large body) — the client's upgrade
 * path, not the server's answers; the mesh's own HTTP/2 is covered by the gRPC clients.
 */
public final class TestHttp {
  private TestHttp() {}

  /** A new JDK client speaking HTTP/1.1. */
  public static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }
}
