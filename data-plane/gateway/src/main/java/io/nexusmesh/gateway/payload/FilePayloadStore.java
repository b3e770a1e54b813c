package io.nexusmesh.gateway.payload;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * Payloads as files under one directory (the embedded default, {@code $NEXUS_HOME/payloads}): for
 * gateways sharing a machine, as {@code nexus dev}'s do. Each is written to a temporary file and
 * moved into place, so a reader never sees half of one.
 */
public final class FilePayloadStore implements PayloadStore {
  private final Path root;

  public FilePayloadStore(Path root) {
    this.root = requireNonNull(root, "root").toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the payload directory " + this.root, e);
    }
  }

  private Path file(String key) {
    Path file = root.resolve(key).normalize();
    if (!file.startsWith(root) || key.contains("..")) {
      throw new IllegalArgumentException("payload key outside the store: " + key);
    }
    return file;
  }

  @Override
  public void put(String key, byte[] bytes) {
    Path file = file(key);
    try {
      Files.createDirectories(file.getParent());
      Path partial = Files.createTempFile(file.getParent(), ".partial-", "");
      Files.write(partial, bytes);
      Files.move(
          partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store payload " + key, e);
    }
  }

  @Override
  public byte[] get(String key) {
    try {
      return Files.readAllBytes(file(key));
    } catch (NoSuchFileException e) {
      throw new IllegalStateException("payload " + key + " is not in " + describe(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read payload " + key, e);
    }
  }

  /**
   * Deletes the payloads of executions that are gone: each top-level directory (one execution's)
   * last changed more than {@code minAge} ago whose execution {@code exists} denies. Returns how
   * many it deleted.
   */
  public int sweep(java.util.function.Predicate<String> exists, Duration minAge) {
    Instant before = Instant.now().minus(minAge);
    int deleted = 0;
    try (Stream<Path> executions = Files.list(root)) {
      for (Path dir : executions.filter(Files::isDirectory).toList()) {
        if (Files.getLastModifiedTime(dir).toInstant().isBefore(before)
            && !exists.test(dir.getFileName().toString())) {
          deleteTree(dir);
          deleted++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sweep " + root, e);
    }
    return deleted;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  @Override
  public String describe() {
    return "file:" + root;
  }
}
