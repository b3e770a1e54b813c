package io.nexusmesh.gateway.payload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.nexusmesh.gateway.engine.NodeFailure;
import java.util.Arrays;

/**
 * Keeps Redis small: a serialized input, output, journal entry or event above {@code threshold}
 * bytes goes to the {@link PayloadStore} and Redis holds a reference in its place; reading it back
 * follows the reference, so callers never see the difference. Nothing above {@code maxBytes} is
 * kept at all: a step output that large fails its step with a clear error, an input that large is
 * refused before anything runs.
 *
 * <p>A reference starts with a zero byte, which no serialized protobuf message does (field number 0
 * does not exist), so stored values need no other marking.
 */
public final class Payloads {
  private static final byte[] MARK = {0, 'n', 'x', 'r', 'e', 'f', ':'};

  private final PayloadStore store;
  private final int threshold;
  private final int maxBytes;

  public Payloads(PayloadStore store, int threshold, int maxBytes) {
    this.store = requireNonNull(store, "store");
    if (threshold < 1 || maxBytes < threshold) {
      throw new IllegalArgumentException(
          "payloads: threshold " + threshold + ", max " + maxBytes + " (1 <= threshold <= max)");
    }
    this.threshold = threshold;
    this.maxBytes = maxBytes;
  }

  /** The largest payload kept, in bytes. */
  public int maxBytes() {
    return maxBytes;
  }

  /** The store behind. */
  public PayloadStore store() {
    return store;
  }

  /**
   * What Redis should hold for {@code bytes} ({@code what} names it in errors, {@code key} is its
   * place in the store): the bytes themselves, or a reference to where they were stored.
   *
   * @throws NodeFailure FAILED_PRECONDITION above {@code maxBytes}
   */
  public byte[] offload(String key, byte[] bytes, String what) {
    if (bytes.length <= threshold) {
      return bytes;
    }
    check(bytes.length, what);
    store.put(key, bytes);
    byte[] ref = key.getBytes(UTF_8);
    byte[] stored = Arrays.copyOf(MARK, MARK.length + ref.length);
    System.arraycopy(ref, 0, stored, MARK.length, ref.length);
    return stored;
  }

  /**
   * Refuses a payload of {@code size} bytes above the limit.
   *
   * @throws NodeFailure FAILED_PRECONDITION naming {@code what}
   */
  public void check(long size, String what) {
    if (size > maxBytes) {
      throw new NodeFailure(
          Status.Code.FAILED_PRECONDITION,
          what + " is " + size + " bytes, above the limit of " + maxBytes + " bytes");
    }
  }

  /** The payload Redis held as {@code stored}: itself, or what its reference points to. */
  public byte[] resolve(byte[] stored) {
    if (stored.length < MARK.length
        || !Arrays.equals(stored, 0, MARK.length, MARK, 0, MARK.length)) {
      return stored;
    }
    return store.get(new String(stored, MARK.length, stored.length - MARK.length, UTF_8));
  }
}
