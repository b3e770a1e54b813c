package io.nexusmesh.gateway.payload;

/**
 * Where payloads too large for Redis are kept, under keys the engine chooses ({@code
 * <execution>/out/<step>}); shared by every gateway of a fleet. A key is written once.
 */
public interface PayloadStore {
  /** Stores {@code bytes} under {@code key}. */
  void put(String key, byte[] bytes);

  /**
   * The bytes stored under {@code key}.
   *
   * @throws IllegalStateException when nothing is stored there (it expired, or the store lost it)
   */
  byte[] get(String key);

  /** A short description for logs: {@code file:/home/ada/.nexus/payloads}, {@code s3://bucket/}. */
  String describe();
}
