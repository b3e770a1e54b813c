package io.nexusmesh.cli;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus login}: gets a token and saves it, with its endpoints, as the current context. */
@Command(
    name = "login",
    description = {
      "Log in and save the credential as the current context of $NEXUS_HOME/config.yaml.",
      "--dev takes the dev stack's token and API key ($NEXUS_HOME/dev/env, written by `nexus dev`);",
      "otherwise the OIDC device authorization grant runs against --issuer (e.g. Keycloak)."
    })
final class LoginCommand implements Callable<Integer> {
  @Option(names = "--dev", description = "Use the local dev stack started by `nexus dev`.")
  boolean dev;

  @Option(
      names = "--issuer",
      paramLabel = "URL",
      description = "OIDC issuer, e.g. https://keycloak.example/realms/nexus.")
  @Nullable URI issuer;

  @Option(
      names = "--client-id",
      defaultValue = "nexus-cli",
      description = "OIDC client (default: ${DEFAULT-VALUE}).")
  String clientId;

  @Option(
      names = "--context",
      defaultValue = "",
      paramLabel = "NAME",
      description = "Context name (default: dev, or the issuer's host).")
  String context;

  @Option(names = "--control-plane", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL")
  String controlPlane;

  @Option(names = "--gateway", defaultValue = "http://127.0.0.1:9090", paramLabel = "URL")
  String gateway;

  @Override
  public Integer call() throws IOException, InterruptedException {
    CliConfig config = CliConfig.ofHome();
    if (dev) {
      CliConfig.Context devStack =
          CliConfig.devStack()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          CliConfig.home().resolve("dev").resolve("env")
                              + " does not exist: start the dev stack with `./nexus dev` first"));
      String name = context.isEmpty() ? "dev" : context;
      config.saveCurrent(name, devStack);
      System.out.println(
          "logged in to the dev stack; context '" + name + "' saved in " + config.path());
      return 0;
    }
    if (issuer == null) {
      throw new IllegalArgumentException("give --issuer URL (or --dev for the local dev stack)");
    }
    String token = new DeviceLogin(issuer, clientId).login(System.out);
    String name = context.isEmpty() ? issuer.getHost() : context;
    config.saveCurrent(name, new CliConfig.Context(controlPlane, gateway, token, ""));
    System.out.println("logged in; context '" + name + "' saved in " + config.path());
    return 0;
  }
}
