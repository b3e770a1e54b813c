package io.nexusmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides a real Keycloak to tests as a {@link KeycloakServer} parameter: the {@code
 * keycloak-quarkus-dist} zip from Maven, unzipped once into a cache outside {@code target/} ({@code
 * ~/.cache/nexus-mesh}), run as a child process in dev mode on a free loopback port with a fresh
 * database, and stopped when the test run ends. Started once per test JVM (about 20 s).
 *
 * <p>Realms: every {@code *.json} file in the {@code keycloak-realms} folder of the test classpath
 * is imported at start. The zip's location comes from the {@code nexus.keycloak.dist} system
 * property, which the build sets. When {@code KEYCLOAK_URL} is set that server is used instead (its
 * admin from {@code KEYCLOAK_ADMIN}/{@code KEYCLOAK_ADMIN_PASSWORD}) and the realms must already
 * exist there.
 */
public final class KeycloakExtension extends SharedServerExtension<KeycloakServer> {
  private static final Logger log = LoggerFactory.getLogger(KeycloakExtension.class);
  private static final String ADMIN = "nexus-admin";
  private static final String ADMIN_PASSWORD = "nexus-admin-password";
  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

  public KeycloakExtension() {
    super(KeycloakServer.class, Handle::start);
  }

  /** The shared Keycloak, started on first use. */
  public static KeycloakServer server(ExtensionContext context) {
    return new KeycloakExtension().shared(context);
  }

  private static final class Handle implements SharedServerExtension.Handle<KeycloakServer> {
    private final KeycloakServer server;
    private final @Nullable Process process;

    private Handle(KeycloakServer server, @Nullable Process process) {
      this.server = server;
      this.process = process;
    }

    @Override
    public KeycloakServer endpoint() {
      return server;
    }

    static Handle start() {
      String external = System.getenv("KEYCLOAK_URL");
      if (external != null && !external.isBlank()) {
        var server =
            new KeycloakServer(
                URI.create(external.replaceAll("/$", "")),
                System.getenv().getOrDefault("KEYCLOAK_ADMIN", "admin"),
                System.getenv().getOrDefault("KEYCLOAK_ADMIN_PASSWORD", "admin"));
        log.info("Using the external Keycloak at {}", server.baseUri());
        return new Handle(server, null);
      }
      try {
        Path home = unpackedDistribution();
        List<String> realms = importRealms(home);
        int port = Ports.freeLoopbackPort();
        var server =
            new KeycloakServer(URI.create("http://127.0.0.1:" + port), ADMIN, ADMIN_PASSWORD);
        Path logFile = Files.createTempFile("keycloak-", ".log");
        var command =
            new ProcessBuilder(
                    home.resolve("bin/kc.sh").toString(),
                    "start-dev",
                    "--http-host=127.0.0.1",
                    "--http-port=" + port,
                    "--hostname=" + server.baseUri(),
                    "--import-realm",
                    "--health-enabled=false",
                    "--log-level=WARN")
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        command.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        command.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        command.environment().put("JAVA_HOME", System.getProperty("java.home"));
        command.environment().put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1 -Xshare:auto");
        long started = System.nanoTime();
        Process process = command.start();
        var handle = new Handle(server, process);
        try {
          awaitReady(server, realms.isEmpty() ? "master" : realms.get(0), process, logFile);
        } catch (RuntimeException e) {
          handle.close();
          throw e;
        }
        log.info(
            "Started Keycloak on {} with realms {} in {} s (log: {})",
            server.baseUri(),
            realms,
            (System.nanoTime() - started) / 1_000_000_000,
            logFile);
        return handle;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start Keycloak", e);
      }
    }

    @Override
    public void close() {
      if (process == null) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }

    /** Unzips the distribution into the cache once; later runs reuse it. */
    private static Path unpackedDistribution() throws IOException {
      String zipProperty = System.getProperty("nexus.keycloak.dist");
      if (zipProperty == null || zipProperty.isBlank()) {
        throw new IllegalStateException(
            "system property nexus.keycloak.dist (the keycloak-quarkus-dist zip) is not set;"
                + " run the tests through Maven, which sets it");
      }
      Path zip = Path.of(zipProperty);
      String name = zip.getFileName().toString().replaceAll("\\.zip$", "");
      Path cache = Path.of(System.getProperty("user.home"), ".cache", "nexus-mesh", name);
      Path marker = cache.resolve(".unpacked");
      if (Files.exists(marker)) {
        return onlyChild(cache);
      }
      log.info("Unpacking {} into {} (once)", zip, cache);
      deleteRecursively(cache);
      Files.createDirectories(cache);
      try (var in = new ZipInputStream(Files.newInputStream(zip))) {
        for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
          Path target = cache.resolve(entry.getName()).normalize();
          if (!target.startsWith(cache)) {
            throw new IOException("zip entry outside the target folder: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      Path home = onlyChild(cache);
      try (Stream<Path> scripts = Files.list(home.resolve("bin"))) {
        scripts
            .filter(p -> p.toString().endsWith(".sh"))
            .forEach(p -> p.toFile().setExecutable(true));
      }
      Files.createFile(marker);
      return home;
    }

    /** Wipes the previous run's database and copies this run's realms into data/import. */
    private static List<String> importRealms(Path home) throws IOException {
      deleteRecursively(home.resolve("data/h2"));
      Path importDir = home.resolve("data/import");
      deleteRecursively(importDir);
      Files.createDirectories(importDir);
      List<String> realms = new ArrayList<>();
      URL folder = KeycloakExtension.class.getClassLoader().getResource("keycloak-realms");
      if (folder == null) {
        return realms;
      }
      try (FileSystem jar = openIfJar(folder.toURI());
          Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
        for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
          Files.copy(file, importDir.resolve(file.getFileName().toString()));
          realms.add(file.getFileName().toString().replaceAll("(-realm)?\\.json$", ""));
        }
      } catch (URISyntaxException e) {
        throw new IllegalStateException("bad keycloak-realms location " + folder, e);
      }
      return realms;
    }

    /** Readiness: the first realm's discovery document answers 200. */
    private static void awaitReady(
        KeycloakServer server, String realm, Process process, Path logFile) {
      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI discovery = URI.create(server.issuer(realm) + "/.well-known/openid-configuration");
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "Keycloak exited with " + process.exitValue() + ":\n" + tail(logFile));
        }
        try {
          var response =
              http.send(
                  HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Keycloak", e);
        }
        try {
          process.waitFor(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Keycloak", e);
        }
      }
      throw new IllegalStateException(
          "Keycloak was not ready within " + START_TIMEOUT + ":\n" + tail(logFile));
    }

    /** Opens the jar holding the realms (null when they are plain files) so Path.of can read it. */
    private static FileSystem openIfJar(URI uri) throws IOException {
      if (!"jar".equals(uri.getScheme())) {
        return null;
      }
      try {
        return FileSystems.newFileSystem(uri, Map.of());
      } catch (FileSystemAlreadyExistsException e) {
        return null;
      }
    }

    private static String tail(Path logFile) {
      try {
        List<String> lines = Files.readAllLines(logFile);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    private static Path onlyChild(Path dir) throws IOException {
      try (Stream<Path> children = Files.list(dir)) {
        return children
            .filter(Files::isDirectory)
            .findFirst()
            .orElseThrow(() -> new IOException("empty Keycloak distribution in " + dir));
      }
    }

    private static void deleteRecursively(Path path) throws IOException {
      if (!Files.exists(path)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(path)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
