package io.nexusmesh.runtime.telemetry;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * The telemetry of one process: an OpenTelemetry instance for traces (W3C trace context) and a
 * Prometheus meter registry for metrics.
 *
 * <p>Tracing is configured by the standard {@code OTEL_*} environment variables (or {@code otel.*}
 * system properties); export is off unless asked for, e.g. {@code OTEL_TRACES_EXPORTER=otlp
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317}. Context is propagated either way, so a trace
 * crosses Nexus Mesh even when this process exports nothing.
 */
public record Telemetry(OpenTelemetry openTelemetry, PrometheusMeterRegistry meterRegistry)
    implements AutoCloseable {
  public Telemetry {
    requireNonNull(openTelemetry, "openTelemetry");
    requireNonNull(meterRegistry, "meterRegistry");
  }

  /** Telemetry configured from the environment, with every exporter off by default. */
  public static Telemetry fromEnvironment(String serviceName) {
    return fromEnvironment(serviceName, Map.of());
  }

  /**
   * Telemetry configured from the environment and then {@code settings} ({@code otel.*} names),
   * which win over both: an embedded component (a test's, {@code nexus dev}'s) exporting to a given
   * receiver without touching the JVM's system properties.
   */
  public static Telemetry fromEnvironment(String serviceName, Map<String, String> settings) {
    requireNonNull(serviceName, "serviceName");
    requireNonNull(settings, "settings");
    OpenTelemetry otel =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.service.name", serviceName,
                        "otel.traces.exporter", "none",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none",
                        "otel.propagators", "tracecontext,baggage"))
            .addPropertiesCustomizer(
                config -> {
                  Map<String, String> overrides = new java.util.HashMap<>(settings);
                  overrides.putIfAbsent("otel.service.name", serviceName);
                  return overrides;
                })
            .build()
            .getOpenTelemetrySdk();
    return new Telemetry(otel, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Whether this process was told where traces go ({@code OTEL_TRACES_EXPORTER} or {@code
   * otel.traces.exporter}): then an embedded receiver does not take them over.
   */
  public static boolean tracesExporterConfigured() {
    return System.getenv("OTEL_TRACES_EXPORTER") != null
        || System.getProperty("otel.traces.exporter") != null;
  }

  /**
   * The settings that export traces by OTLP to {@code endpoint}, in batches every 200 ms, holding
   * up to 16,384 spans between two batches (spans beyond that are dropped, not waited for).
   */
  public static Map<String, String> exportingTo(String endpoint) {
    return Map.of(
        "otel.traces.exporter", "otlp",
        "otel.exporter.otlp.endpoint", endpoint,
        "otel.bsp.schedule.delay", "200",
        "otel.bsp.max.queue.size", "16384",
        "otel.bsp.max.export.batch.size", "2048");
  }

  /** Sends the spans still buffered and stops exporting (an SDK's; another is left alone). */
  @Override
  public void close() {
    if (openTelemetry instanceof OpenTelemetrySdk sdk) {
      sdk.close();
    }
  }

  /** Telemetry around a given OpenTelemetry (e.g. a test SDK), with a fresh meter registry. */
  public static Telemetry of(OpenTelemetry openTelemetry) {
    return new Telemetry(openTelemetry, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }
}
