package io.nexusmesh.controlplane.console;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import io.nexusmesh.controlplane.config.ControlPlaneProperties;
import io.nexusmesh.controlplane.server.HttpEndpoint;
import io.nexusmesh.controlplane.server.TrustedIssuer;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the web console: its files at {@code /console/} and, in dev mode, its sign-in server. */
@Configuration(proxyBeanMethods = false)
public class ConsoleConfiguration {
  @Bean
  ConsoleFiles consoleFiles(ControlPlaneProperties properties, TrustedIssuer issuer) {
    return new ConsoleFiles(
        issuer.issuer().toString(),
        properties.console().clientId(),
        properties.console().gatewayUrl(),
        issuer.devIssuer().isPresent());
  }

  /** {@code /console} without its slash, query kept (a sign-in link typed short still works). */
  @Bean
  HttpEndpoint consoleRedirect() {
    return new HttpEndpoint() {
      @Override
      public String path() {
        return "/console";
      }

      @Override
      public HttpService service() {
        return (ctx, req) ->
            HttpResponse.ofRedirect(
                HttpStatus.FOUND,
                ConsoleFiles.PATH + (ctx.query() == null ? "" : "?" + ctx.query()));
      }
    };
  }

  @Bean
  @ConditionalOnProperty(name = "nexus.control-plane.dev-issuer", havingValue = "true")
  DevAuthorizationServer devAuthorizationServer(
      ControlPlaneProperties properties, TrustedIssuer issuer, Clock clock) {
    return new DevAuthorizationServer(
        issuer.devIssuer().orElseThrow(), properties.console().clientId(), clock);
  }
}
