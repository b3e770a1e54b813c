package io.nexusmesh.controlplane.telemetry;

import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.runtime.telemetry.otlp.OtlpTraceReceiver;
import io.nexusmesh.runtime.telemetry.otlp.RecentTraces;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The OTLP receiver {@code nexus.control-plane.traces.receiver-port} asks for, on loopback, or
 * none. Closed with the application context.
 */
@Component
public class TraceReceiverHolder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TraceReceiverHolder.class);

  private final @Nullable OtlpTraceReceiver receiver;

  public TraceReceiverHolder(ControlPlaneProperties properties) {
    int port = properties.traces().receiverPort();
    if (port < 0) {
      receiver = null;
      return;
    }
    receiver =
        OtlpTraceReceiver.start(
            new InetSocketAddress("127.0.0.1", port), Math.max(1, properties.traces().keep()));
    log.info("OTLP trace receiver at {} (gRPC and HTTP)", receiver.endpoint());
  }

  /** The traces received, when there is a receiver. */
  public Optional<RecentTraces> traces() {
    return Optional.ofNullable(receiver).map(OtlpTraceReceiver::traces);
  }

  /** Where exporters send spans ({@code OTEL_EXPORTER_OTLP_ENDPOINT}), when there is a receiver. */
  public Optional<String> endpoint() {
    return Optional.ofNullable(receiver).map(OtlpTraceReceiver::endpoint);
  }

  @Override
  public void close() {
    if (receiver != null) {
      receiver.close();
    }
  }
}
