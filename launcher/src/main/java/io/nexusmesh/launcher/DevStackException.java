package io.nexusmesh.launcher;

/** The dev stack cannot start, for a reason its message explains in one line. */
final class DevStackException extends RuntimeException {
  DevStackException(String message) {
    super(message);
  }

  DevStackException(String message, Throwable cause) {
    super(message, cause);
  }
}
