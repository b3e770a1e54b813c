package io.nexusmesh.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;
import io.grpc.Status;
import io.nexusmesh.api.workflow.v1.HttpNode;
import io.nexusmesh.gateway.egress.EgressGuard;
import io.nexusmesh.gateway.egress.HostResolver;
import io.nexusmesh.runtime.egress.EgressPolicy;
import io.nexusmesh.runtime.egress.EgressRule;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP node's client against two real loopback servers: {@code allowed}, which the org's policy
 * opens, and {@code closed}, which it does not (and which counts every request that reaches it).
 * Names resolve through a test resolver so DNS rebinding can be staged on loopback.
 */
class HttpCallerTest {
  static final List<String> seenAuthorization = new CopyOnWriteArrayList<>();
  static final List<String> seenHost = new CopyOnWriteArrayList<>();
  static final AtomicInteger closedHits = new AtomicInteger();

  @RegisterExtension
  static final ServerExtension closed =
      new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
          sb.serviceUnder(
              "/",
              (ctx, req) -> {
                closedHits.incrementAndGet();
                return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"leak\":true}");
              });
        }
      };

  @RegisterExtension
  static final ServerExtension allowed =
      new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
          sb.service(
              "/echo",
              (ctx, req) ->
                  HttpResponse.of(
                      req.aggregate()
                          .thenApply(
                              agg -> {
                                String auth = agg.headers().get("authorization", "");
                                seenAuthorization.add(auth);
                                seenHost.add(agg.headers().authority());
                                return HttpResponse.of(
                                    HttpStatus.OK,
                                    MediaType.JSON_UTF_8,
                                    "{\"authorization\":\""
                                        + auth
                                        + "\",\"body\":"
                                        + (agg.contentUtf8().isEmpty() ? "null" : agg.contentUtf8())
                                        + "}");
                              })));
          sb.service(
              "/away",
              (ctx, req) ->
                  HttpResponse.of(
                      ResponseHeaders.of(
                          HttpStatus.FOUND,
                          "location",
                          "http://127.0.0.1:" + closed.httpPort() + "/stolen")));
          sb.service(
              "/home",
              (ctx, req) ->
                  HttpResponse.of(
                      ResponseHeaders.of(HttpStatus.TEMPORARY_REDIRECT, "location", "/echo")));
          sb.service(
              "/cross",
              (ctx, req) ->
                  HttpResponse.of(
                      ResponseHeaders.of(
                          HttpStatus.FOUND,
                          "location",
                          "http://other.test:" + allowed.httpPort() + "/echo")));
          sb.service("/missing", (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND));
        }
      };

  static final ClientFactory factory = ClientFactory.builder().build();
  final AtomicInteger lookups = new AtomicInteger();

  @AfterAll
  static void closeFactory() {
    factory.close();
  }

  @BeforeEach
  void reset() {
    seenAuthorization.clear();
    seenHost.clear();
    closedHits.set(0);
  }

  /** "api.test" first resolves to 127.0.0.1 and, from the second lookup on, to 127.0.0.2. */
  private HttpCaller caller(Map<String, String> secrets, String... allow) {
    HostResolver rebinding =
        host -> {
          if (host.equals("other.test")) {
            return List.of(InetAddress.getByName("127.0.0.1"));
          }
          if (!host.equals("api.test")) {
            return HostResolver.SYSTEM.resolve(host);
          }
          return List.of(
              InetAddress.getByName(lookups.getAndIncrement() == 0 ? "127.0.0.1" : "127.0.0.2"));
        };
    var policy =
        EgressPolicy.of(
            java.util.Arrays.stream(allow).map(EgressRule::parse).toList(),
            EgressPolicy.MeshEndpoints.NONE);
    OrgAccess access =
        new OrgAccess() {
          @Override
          public EgressPolicy egressPolicy(String org) {
            return policy;
          }

          @Override
          public SecretLookup secret(String org, String name) {
            String v = secrets.get(name);
            return v == null ? new SecretLookup.Missing() : new SecretLookup.Found(v);
          }

          @Override
          public java.util.Optional<io.nexusmesh.gateway.panel.ReachablePanel> panel(
              String org, String name) {
            return java.util.Optional.empty();
          }

          @Override
          public List<io.nexusmesh.gateway.panel.ReachablePanel> panels(String org) {
            return List.of();
          }
        };
    return new HttpCaller(
        factory, new Expressions(), new EgressGuard(o -> policy, rebinding), access);
  }

  private static Value call(HttpCaller caller, HttpNode node) {
    return caller.call("acme", node, Map.of(), "exec/node/1", Duration.ofSeconds(5));
  }

  private static NodeFailure failure(HttpCaller caller, HttpNode node) {
    return catchThrowableOfType(NodeFailure.class, () -> call(caller, node));
  }

  private static ErrorInfo errorInfo(NodeFailure f) throws Exception {
    return f.toStatus().getDetails(0).unpack(ErrorInfo.class);
  }

  @Test
  void theDefaultPolicyRefusesLoopbackByAddressAndByName() throws Exception {
    var caller = caller(Map.of());
    for (String host : List.of("127.0.0.1", "localhost")) {
      NodeFailure f =
          failure(
              caller,
              HttpNode.newBuilder()
                  .setUrl("http://" + host + ":" + allowed.httpPort() + "/echo")
                  .build());
      assertThat(f.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(errorInfo(f).getReason()).isEqualTo("EGRESS_DENIED");
      assertThat(errorInfo(f).getMetadataMap()).containsEntry("host", host);
      assertThat(f.getMessage()).contains(host).contains("loopback");
    }
    assertThat(seenHost).isEmpty();
  }

  @Test
  void anAllowedLocalServerIsReachedAndARedirectToAClosedOneIsNotFollowed() throws Exception {
    var caller = caller(Map.of(), "127.0.0.1:" + allowed.httpPort());
    String base = "http://127.0.0.1:" + allowed.httpPort();
    Value ok = call(caller, HttpNode.newBuilder().setUrl(base + "/echo").build());
    assertThat(ok.getStructValue().getFieldsMap()).containsKey("authorization");

    NodeFailure f = failure(caller, HttpNode.newBuilder().setUrl(base + "/away").build());
    assertThat(f.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(errorInfo(f).getReason()).isEqualTo("EGRESS_DENIED");
    assertThat(f.getMessage()).startsWith("redirect to").contains(":" + closed.httpPort());
    assertThat(closedHits).hasValue(0);

    // A redirect within the allowed origin is followed (307 keeps the method and body).
    Value followed =
        call(
            caller,
            HttpNode.newBuilder()
                .setMethod("POST")
                .setUrl(base + "/home")
                .setBody("{'a': 1}")
                .build());
    assertThat(followed.getStructValue().getFieldsOrThrow("body").getStructValue().getFieldsMap())
        .containsKey("a");
  }

  @Test
  void theConnectionGoesToTheAddressThatWasCheckedNotToWhatTheNameResolvesToLater() {
    var caller = caller(Map.of(), "127.0.0.1:" + allowed.httpPort());
    call(
        caller,
        HttpNode.newBuilder().setUrl("http://api.test:" + allowed.httpPort() + "/echo").build());
    // One lookup, one connection to 127.0.0.1, with the name kept for the Host header.
    assertThat(lookups).hasValue(1);
    assertThat(seenHost).containsExactly("api.test:" + allowed.httpPort());
    // The next call resolves again, to 127.0.0.2, which the policy does not allow.
    NodeFailure f =
        failure(
            caller,
            HttpNode.newBuilder()
                .setUrl("http://api.test:" + allowed.httpPort() + "/echo")
                .build());
    assertThat(f.getMessage()).contains("127.0.0.2");
    assertThat(seenHost).hasSize(1);
  }

  @Test
  void aSecretReachesTheServerAndIsRedactedFromWhatComesBack() {
    String value = "tok-\"quoted\"-" + System.nanoTime();
    var caller = caller(Map.of("TOKEN", value), "127.0.0.1:" + allowed.httpPort());
    Value echoed =
        call(
            caller,
            HttpNode.newBuilder()
                .setMethod("POST")
                .setUrl("http://127.0.0.1:" + allowed.httpPort() + "/echo")
                .putHeaders("Authorization", "Bearer {{secrets.TOKEN}}")
                .setBody("{'token': '{{secrets.TOKEN}}'}")
                .build());
    assertThat(seenAuthorization).containsExactly("Bearer " + value);
    String output = JsonValues.toJson(echoed);
    assertThat(output).doesNotContain(value).doesNotContain("quoted");
    assertThat(output).contains("Bearer [redacted:secrets.TOKEN]");
    assertThat(echoed.getStructValue().getFieldsOrThrow("body").getStructValue().getFieldsMap())
        .containsEntry(
            "token", Value.newBuilder().setStringValue("[redacted:secrets.TOKEN]").build());
  }

  @Test
  void aSecretInTheUrlNeverAppearsInAnError() {
    String value = "k3y" + System.nanoTime();
    var caller = caller(Map.of("KEY", value), "127.0.0.1:" + allowed.httpPort());
    NodeFailure f =
        failure(
            caller,
            HttpNode.newBuilder()
                .setUrl("http://127.0.0.1:" + allowed.httpPort() + "/missing?key={{secrets.KEY}}")
                .build());
    assertThat(f.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(f.getMessage())
        .contains("404")
        .doesNotContain(value)
        .contains("[redacted:secrets.KEY]");
  }

  @Test
  void aCrossOriginRedirectDropsTheCredentials() {
    var caller = caller(Map.of("TOKEN", "t0k"), "127.0.0.1:" + allowed.httpPort());
    call(
        caller,
        HttpNode.newBuilder()
            .setUrl("http://127.0.0.1:" + allowed.httpPort() + "/cross")
            .putHeaders("Authorization", "Bearer {{secrets.TOKEN}}")
            .build());
    assertThat(seenHost).containsExactly("other.test:" + allowed.httpPort());
    assertThat(seenAuthorization).containsExactly("");
  }

  @Test
  void aMissingSecretFailsTheStepWithItsName() throws Exception {
    var caller = caller(Map.of(), "127.0.0.1:" + allowed.httpPort());
    NodeFailure f =
        failure(
            caller,
            HttpNode.newBuilder()
                .setUrl("http://127.0.0.1:" + allowed.httpPort() + "/echo")
                .putHeaders("Authorization", "Bearer {{secrets.NOPE}}")
                .build());
    assertThat(f.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(f).getReason()).isEqualTo("SECRET_NOT_FOUND");
    assertThat(f.getMessage()).contains("NOPE");
    assertThat(seenHost).isEmpty();
  }
}
