package io.nexusmesh.gateway.payload;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where a gateway keeps large payloads and from what size: {@code NEXUS_PAYLOAD_STORE} (a
 * directory, default {@code $NEXUS_HOME/payloads}, or {@code s3://bucket/prefix}), {@code
 * NEXUS_S3_ENDPOINT} and {@code NEXUS_S3_REGION} (an S3-compatible store's URL and region;
 * path-style addressing when an endpoint is set), {@code NEXUS_PAYLOAD_THRESHOLD} and {@code
 * NEXUS_PAYLOAD_MAX} (bytes).
 */
public record PayloadSettings(
    String store, @Nullable String s3Endpoint, String s3Region, int threshold, int maxBytes) {
  public PayloadSettings {
    requireNonNull(store, "store");
    requireNonNull(s3Region, "s3Region");
  }

  /** The settings in {@code env}. */
  public static PayloadSettings fromEnvironment(Map<String, String> env) {
    String home =
        env.getOrDefault(
            "NEXUS_HOME", Path.of(System.getProperty("user.home"), ".nexus").toString());
    String endpoint = env.get("NEXUS_S3_ENDPOINT");
    return new PayloadSettings(
        env.getOrDefault("NEXUS_PAYLOAD_STORE", Path.of(home, "payloads").toString()),
        endpoint == null || endpoint.isBlank() ? null : endpoint,
        env.getOrDefault("NEXUS_S3_REGION", "us-east-1"),
        Integer.parseInt(env.getOrDefault("NEXUS_PAYLOAD_THRESHOLD", "262144")),
        Integer.parseInt(env.getOrDefault("NEXUS_PAYLOAD_MAX", "8388608")));
  }

  /** The store these settings name. */
  public PayloadStore open() {
    if (!store.startsWith("s3://")) {
      return new FilePayloadStore(Path.of(store));
    }
    URI uri = URI.create(store);
    String prefix = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix += "/";
    }
    var client = S3Client.builder().region(Region.of(s3Region));
    if (s3Endpoint != null) {
      client.endpointOverride(URI.create(s3Endpoint)).forcePathStyle(true);
    }
    return new S3PayloadStore(client.build(), uri.getHost(), prefix);
  }

  /** The engine's policy on {@link #open()}. */
  public Payloads payloads() {
    return new Payloads(open(), threshold, maxBytes);
  }
}
