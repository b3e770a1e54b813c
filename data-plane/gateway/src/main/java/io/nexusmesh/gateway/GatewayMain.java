package io.nexusmesh.gateway;

import java.util.concurrent.CountDownLatch;

/** Starts a gateway from environment variables (see {@link GatewayConfig}) until it is stopped. */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    Gateway gateway = Gateway.start(GatewayConfig.fromEnvironment());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  stopped.countDown();
                },
                "nexus-gateway-shutdown"));
    stopped.await();
  }
}
