package io.nexusmesh.gateway;

import java.util.concurrent.CountDownLatch;

/** Starts a gateway from environment variables (see {@link GatewayConfig}) until it is stopped. */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    run(GatewayConfig.fromEnvironment(), gateway -> {});
  }

  /**
   * Starts a gateway with {@code config}, hands it to {@code started}, and returns once the JVM is
   * shutting down and the gateway has closed (what {@code nexus gateway} runs, too).
   */
  public static void run(GatewayConfig config, java.util.function.Consumer<Gateway> started)
      throws InterruptedException {
    Gateway gateway = Gateway.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  stopped.countDown();
                },
                "nexus-gateway-shutdown"));
    started.accept(gateway);
    stopped.await();
  }
}
