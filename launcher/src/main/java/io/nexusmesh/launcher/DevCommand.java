package io.nexusmesh.launcher;

import io.nexusmesh.runtime.auth.Audiences;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus dev}: the whole stack on embedded defaults, until Ctrl-C. */
@Command(
    name = "dev",
    description = {
      "Start everything in this process on localhost: control plane (:8080), gateway (:9090),",
      "Redis, Kafka, an H2 store and the dev OIDC issuer. State lives in $NEXUS_HOME (default",
      "~/.nexus) and survives restarts. Org demo gets the example workflows, deployed to dev;",
      "$NEXUS_HOME/dev/env gets an admin token and an API key once everything answers."
    },
    footer = {
      "",
      "Ports: NEXUS_CONTROL_PLANE_PORT, NEXUS_GATEWAY_PORT, NEXUS_DEV_REDIS_PORT (6379),",
      "NEXUS_DEV_KAFKA_PORT (9092; its controller uses the next port). Logs: $NEXUS_HOME/dev/logs."
    },
    subcommands = DevCommand.Token.class)
final class DevCommand implements Callable<Integer> {
  @Override
  public Integer call() throws InterruptedException {
    long began = System.nanoTime();
    DevSettings settings = DevSettings.fromEnvironment(System.getenv());
    PrintStream out = System.out;
    out.println("Starting Nexus Mesh (state in " + settings.home() + ") ...");
    DevStack stack = DevStack.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("Stopping Nexus Mesh ...");
                  stack.close();
                  out.println("Stopped.");
                  stopped.countDown();
                },
                "nexus-dev-shutdown"));
    printReady(
        out,
        settings,
        (System.nanoTime() - began) / 1_000_000,
        stack.egressAllowed(),
        stack.llmSummary(),
        stack.panelsSummary(),
        stack.tracesSummary(),
        stack.consoleSignInUrl());
    stopped.await();
    return 0;
  }

  private static void printReady(
      PrintStream out,
      DevSettings s,
      long millis,
      List<String> egressAllowed,
      String llm,
      String panels,
      String traces,
      String consoleUrl) {
    out.printf("Nexus Mesh is ready in %.1f s.%n", millis / 1000.0);
    out.println("  console        " + consoleUrl);
    out.println("                 (signs you in as the demo admin, once; keep it to yourself)");
    out.println(
        "  control plane  " + s.controlPlaneUrl() + "   gRPC, REST, gRPC-Web; API docs at /docs");
    out.println(
        "  gateway        " + s.gatewayUrl() + "   gRPC, REST, gRPC-Web, SSE; API docs at /docs");
    out.println(
        "  mcp            " + s.gatewayUrl() + "/mcp   MCP (streamable HTTP) for AI agents");
    out.println(
        "  xds            "
            + s.xdsServer()
            + "   ADS: xds:///gateways.dev, panels at "
            + s.gatewayUrl()
            + "/panels/NAME/");
    out.println("  redis          redis://127.0.0.1:" + s.redisPort());
    out.println("  kafka          127.0.0.1:" + s.kafkaPort());
    out.println("  llm manager    sessions' agents answer with " + llm);
    out.println("  panels         " + panels);
    out.println("  traces         " + traces);
    out.println("Org demo has the workflows " + String.join(", ", names()) + ", deployed to dev.");
    out.println(
        "Egress of org demo: the public internet"
            + (egressAllowed.isEmpty() ? "" : ", and " + String.join(", ", egressAllowed))
            + "; loopback, private ranges and the mesh itself are refused.");
    out.println("  to let workflows call a local service:  ./nexus egress allow 127.0.0.1:8089");
    out.println("  secrets for http nodes ({{secrets.NAME}}):  ./nexus secrets set NAME < file");
    out.println("Credentials (admin token, API key):  source " + s.envFile());
    out.println("Then:  ./nexus run hello --input '{\"name\": \"Ada\"}'");
    out.println("An agent:  ./nexus chat --new 'use hello with {\"name\": \"Ada\"}'");
    out.println("Ctrl-C stops everything.");
  }

  private static List<String> names() {
    return DevSeed.workflowIds();
  }

  /** {@code nexus dev token}: a dev-issuer token for any organisation and role. */
  @Command(
      name = "token",
      description = {
        "Print a token signed by the dev issuer (the dev stack must have run once).",
        "A person's token by default; --service gateway prints the service-account token a"
            + " second gateway registers with (NEXUS_GATEWAY_TOKEN), for --gateway-id."
      })
  static final class Token implements Callable<Integer> {
    @Option(
        names = "--service",
        paramLabel = "KIND",
        description = "gateway: a gateway's service-account token instead of a person's.")
    String service;

    @Option(
        names = "--gateway-id",
        defaultValue = "gw-2",
        description = "The gateway the service token is for (default: ${DEFAULT-VALUE}).")
    String gatewayId;

    @Option(
        names = "--org",
        defaultValue = "demo",
        description = "Organisation (default: ${DEFAULT-VALUE}).")
    String org;

    @Option(
        names = "--role",
        defaultValue = "admin",
        description = "admin, developer or viewer; repeatable (default: ${DEFAULT-VALUE}).")
    List<String> roles;

    @Option(
        names = "--audience",
        defaultValue = "management",
        description =
            "management (control plane) or gateway (running workflows) (default: ${DEFAULT-VALUE}).")
    String audience;

    @Option(
        names = "--subject",
        defaultValue = "dev-user",
        description = "The token's subject (default: ${DEFAULT-VALUE}).")
    String subject;

    @Override
    public Integer call() {
      DevSettings settings = DevSettings.fromEnvironment(System.getenv());
      if (service != null) {
        if (!service.equalsIgnoreCase("gateway")) {
          throw new IllegalArgumentException(
              "unknown service '" + service + "' (expected: gateway)");
        }
        System.out.println(DevTokens.of(settings).gateway(org, gatewayId));
        return 0;
      }
      String aud =
          switch (audience.toLowerCase(Locale.ROOT)) {
            case "management" -> Audiences.MANAGEMENT;
            case "gateway" -> Audiences.GATEWAY;
            default ->
                throw new IllegalArgumentException(
                    "unknown audience '" + audience + "' (expected: management or gateway)");
          };
      System.out.println(
          DevTokens.of(settings).user(subject, org, aud, roles.toArray(String[]::new)));
      return 0;
    }
  }
}
