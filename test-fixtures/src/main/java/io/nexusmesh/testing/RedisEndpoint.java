package io.nexusmesh.testing;

import static java.util.Objects.requireNonNull;

/** Where the test Redis listens. */
public record RedisEndpoint(String host, int port) {
  public RedisEndpoint {
    requireNonNull(host, "host");
  }

  /** The address in Redisson's form, e.g. {@code redis://127.0.0.1:6390}. */
  public String uri() {
    return "redis://" + host + ":" + port;
  }
}
