package io.nexusmesh.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The dev stack's Redis: the real {@code redis-server} binary shipped by embedded-redis, on
 * loopback, persisting to {@code $NEXUS_HOME/dev/redis} (append-only file) so executions survive a
 * restart. Its pid is kept in {@code redis.pid}: a server left running by a dev JVM killed with -9
 * is recognised and stopped on the next start instead of blocking the port.
 */
final class EmbeddedRedis implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

  private final RedisServer server;
  private final Path pidFile;

  private EmbeddedRedis(RedisServer server, Path pidFile) {
    this.server = server;
    this.pidFile = pidFile;
  }

  static EmbeddedRedis start(DevSettings settings) throws IOException {
    Path dir = settings.devDir().resolve("redis");
    Files.createDirectories(dir);
    Path pidFile = settings.devDir().resolve("redis.pid");
    int port = settings.redisPort();
    if (!Ports.isFree(port)) {
      stopStale(pidFile, port);
    }
    RedisServer server =
        RedisServer.builder()
            .bind("127.0.0.1")
            .port(port)
            .setting("dir " + dir.toAbsolutePath())
            .setting("appendonly yes")
            .setting("save \"\"")
            .build();
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new DevStackException(
          "could not start redis-server on port " + port + ": " + e.getMessage(), e);
    }
    processId(port).ifPresent(pid -> writePid(pidFile, pid));
    return new EmbeddedRedis(server, pidFile);
  }

  /** Stops a redis-server of an earlier dev run that still holds {@code port}, or explains. */
  private static void stopStale(Path pidFile, int port) {
    Optional<ProcessHandle> stale =
        readPid(pidFile)
            .flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false));
    if (stale.isEmpty()) {
      throw new DevStackException(
          "port "
              + port
              + " (redis) is in use by a process this dev stack did not start: stop it, or set"
              + " NEXUS_DEV_REDIS_PORT to a free port");
    }
    log.warn(
        "stopping the redis-server (pid {}) left on port {} by an earlier `nexus dev`",
        stale.get().pid(),
        port);
    stale.get().destroy();
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!Ports.isFree(port) && System.nanoTime() < until) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!Ports.isFree(port)) {
      throw new DevStackException("the stale redis-server on port " + port + " did not stop");
    }
  }

  /** Asks the server its {@code process_id} ({@code INFO server}). */
  private static Optional<Long> processId(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write("INFO server\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      StringBuilder text = new StringBuilder();
      while (!hasLine(text, "process_id:")) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        text.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
      }
      int at = text.indexOf("process_id:");
      if (at < 0) {
        return Optional.empty();
      }
      int end = text.indexOf("\r\n", at);
      return Optional.of(Long.parseLong(text.substring(at + "process_id:".length(), end).strip()));
    } catch (IOException | RuntimeException e) {
      log.debug("could not read redis-server's pid", e);
      return Optional.empty();
    }
  }

  private static boolean hasLine(StringBuilder text, String key) {
    int at = text.indexOf(key);
    return at >= 0 && text.indexOf("\r\n", at) >= 0;
  }

  private static Optional<Long> readPid(Path pidFile) {
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void writePid(Path pidFile, long pid) {
    try {
      Files.writeString(pidFile, Long.toString(pid));
    } catch (IOException e) {
      log.warn("could not write {}", pidFile, e);
    }
  }

  String url(DevSettings settings) {
    return "redis://127.0.0.1:" + settings.redisPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (RuntimeException e) {
      log.warn("redis-server did not stop cleanly", e);
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      // a stale pid file names a dead process: harmless
    }
  }
}
