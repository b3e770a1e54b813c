package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.BearerAuthenticator;
import io.nexusmesh.runtime.auth.DevTokenIssuer;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import io.nexusmesh.runtime.auth.JwtVerifier;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.telemetry.Telemetry;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sample services served by the shared recipe, as the runtime's tests drive them: a token
 * issuer server (JWKS + discovery) started first, then the server under test, whose verifier
 * discovers the issuer's JWKS on first use; one API key is accepted through the verifier hook.
 */
final class SampleServer implements AutoCloseable {
  static final String API_KEY = ApiKeys.generate().secret();

  final DevTokenIssuer issuer;
  final DevTokenIssuer strangerIssuer;
  final Server server;
  final String base;
  final ManagedChannel channel;
  final String token;
  private final Server issuerServer;

  private SampleServer(
      Server issuerServer, DevTokenIssuer issuer, DevTokenIssuer strangerIssuer, Server server) {
    this.issuerServer = issuerServer;
    this.issuer = issuer;
    this.strangerIssuer = strangerIssuer;
    this.server = server;
    this.base = "http://127.0.0.1:" + server.activeLocalPort();
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.activeLocalPort())
            .usePlaintext()
            .build();
    this.token = issuer.mint(TokenRequest.user("alice", "acme", Audiences.MANAGEMENT, "admin"));
  }

  static SampleServer start(Telemetry telemetry) {
    AtomicReference<DevTokenIssuer> issuerRef = new AtomicReference<>();
    Server issuerServer =
        Server.builder()
            .http(0)
            .service(
                "/realms/test" + DevTokenIssuer.DISCOVERY_PATH,
                (ctx, req) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.JSON, issuerRef.get().discoveryJson()))
            .service(
                "/realms/test" + DevTokenIssuer.JWKS_PATH,
                (ctx, req) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.JSON, issuerRef.get().jwksJson()))
            .build();
    issuerServer.start().join();
    URI issuerUri =
        URI.create("http://127.0.0.1:" + issuerServer.activeLocalPort() + "/realms/test");
    DevTokenIssuer issuer = DevTokenIssuer.create(issuerUri);
    issuerRef.set(issuer);
    var authenticator =
        new BearerAuthenticator(
            new JwtVerifier(JwtVerifier.Options.of(issuerUri, Audiences.MANAGEMENT)),
            key ->
                key.equals(API_KEY)
                    ? Optional.of(
                        new Principal(
                            "apikey:test",
                            "acme",
                            Set.of(),
                            Set.of(Audiences.GATEWAY),
                            PrincipalKind.API_KEY,
                            Set.of()))
                    : Optional.empty());
    Server server =
        NexusServer.builder(
                NexusServerOptions.defaults("sample", 0)
                    .withGracefulShutdown(Duration.ZERO, Duration.ofSeconds(1)))
            .addService(new SampleWorkflowService())
            .addService(new SampleWorkflowService.SampleAuditService())
            .authenticator(authenticator)
            .telemetry(telemetry)
            .build();
    server.start().join();
    return new SampleServer(issuerServer, issuer, DevTokenIssuer.create(issuerUri), server);
  }

  /** The channel, sending {@code Authorization: Bearer <bearer>} on every call. */
  Channel as(String bearer) {
    var headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + bearer);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The sample workflow service as {@code bearer}, with a deadline. */
  WorkflowServiceBlockingStub workflows(String bearer) {
    return WorkflowServiceGrpc.newBlockingStub(as(bearer)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The error details of a call that must fail with a gRPC status. */
  static ErrorDetails failure(Runnable call) {
    var thrown = new AtomicReference<Throwable>();
    assertThatThrownBy(call::run).isInstanceOf(StatusRuntimeException.class).satisfies(thrown::set);
    return ErrorDetails.from(thrown.get());
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop().join();
    issuerServer.stop().join();
  }
}
