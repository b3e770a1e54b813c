package io.nexusmesh.sidecar.manifest;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The limits of the panel contract. Breaking one is a clear error in the panel's status (or the
 * call's), never a crash.
 */
public final class ManifestLimits {
  /** The largest {@code GET /manifest} body. */
  public static final int MAX_MANIFEST_BYTES = 1024 * 1024;

  /** The most tools a panel may declare. */
  public static final int MAX_TOOLS = 256;

  /** A tool's name: a letter, then up to 63 letters, digits, '_' or '-'. */
  public static final Pattern TOOL_NAME = Pattern.compile("^[A-Za-z][A-Za-z0-9_-]{0,63}$");

  /** The longest tool description. */
  public static final int MAX_DESC_CHARS = 4096;

  /** The largest arguments of one call (JSON). */
  public static final int MAX_ARGUMENT_BYTES = 1024 * 1024;

  /** The largest result of one call (JSON). */
  public static final int MAX_RESULT_BYTES = 4 * 1024 * 1024;

  /** How long a call may take when the caller set no deadline. */
  public static final Duration DEFAULT_CALL_DEADLINE = Duration.ofSeconds(30);

  /** The longest deadline a call may have, whatever the caller asks. */
  public static final Duration MAX_CALL_DEADLINE = Duration.ofMinutes(5);

  private ManifestLimits() {}
}
