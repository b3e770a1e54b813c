package io.nexusmesh.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's root, found from a test's working directory (any module's). */
final class RepositoryRoot {
  private RepositoryRoot() {}

  /** The nearest directory above the working directory holding {@code scripts/find-jdk.sh}. */
  static Path find() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/find-jdk.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new AssertionError("no repository root above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
