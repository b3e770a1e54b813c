package io.nexusmesh.cli;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The trace one run of the CLI belongs to: {@code TRACEPARENT} from the environment when a caller
 * (a CI job, a script that is itself traced) passes its context down, as OpenTelemetry's
 * environment-variable carrier does; else a new trace for this run, so that everything one command
 * causes across the mesh is one trace ({@code nexus executions get} shows its id).
 */
final class CliTrace {
  private static final Pattern TRACEPARENT =
      Pattern.compile("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");
  private static final String OF_THIS_RUN = of(System.getenv("TRACEPARENT"));

  private CliTrace() {}

  /** The {@code traceparent} this run's calls carry. */
  static String traceparent() {
    return OF_THIS_RUN;
  }

  /** {@code given} if it is a valid W3C traceparent, else a new sampled one. */
  static String of(String given) {
    if (given != null
        && TRACEPARENT.matcher(given).matches()
        && !given.substring(3, 35).matches("0+")
        && !given.substring(36, 52).matches("0+")) {
      return given;
    }
    SecureRandom random = new SecureRandom();
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    random.nextBytes(trace);
    random.nextBytes(span);
    trace[0] |= 1; // never all zeros
    span[0] |= 1;
    HexFormat hex = HexFormat.of();
    return "00-" + hex.formatHex(trace) + "-" + hex.formatHex(span) + "-01";
  }
}
