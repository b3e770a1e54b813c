package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.RequestOptions;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.circuitbreaker.FailFastException;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.workflow.v1.HttpNode;
import io.nexusmesh.gateway.egress.EgressGuard;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Runs the HTTP nodes of workflows with Armeria's client: one attempt per call (the engine owns
 * retries, so that each attempt is journaled with its own idempotency key), a response timeout per
 * attempt, a circuit breaker per host (a failing downstream fails fast instead of piling up
 * requests), and the {@code Idempotency-Key} header on every request.
 *
 * <p>Every request, and every redirect it is sent on, first passes the organisation's egress policy
 * ({@link EgressGuard}), and is then sent to the one address the guard checked (Armeria's {@link
 * Endpoint#withIpAddr}: no second DNS lookup). Redirects are followed here rather than by Armeria
 * for that reason; a cross-origin redirect drops the credentials. The organisation's secrets are
 * filled in at call time and scrubbed from the response and from every error.
 */
public final class HttpCaller {
  private static final int MAX_REDIRECTS = 5;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> CREDENTIAL_HEADERS =
      Set.of("authorization", "proxy-authorization", "cookie");

  private final ClientFactory factory;
  private final Expressions expressions;
  private final EgressGuard egress;
  private final OrgAccess access;
  private final CircuitBreakerRule rule =
      CircuitBreakerRule.builder().onServerErrorStatus().onException().thenFailure();
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Bulkheads bulkheads;
  private final DecoratingHttpClientFunction tracing;

  public HttpCaller(
      ClientFactory factory, Expressions expressions, EgressGuard egress, OrgAccess access) {
    this(factory, expressions, egress, access, Bulkheads.unlimited(), OpenTelemetry.noop());
  }

  /**
   * With each organisation's calls to one host held within a bulkhead of {@code bulkheads}, and
   * each request traced by {@code otel} ({@code traceparent} sent on to the host).
   */
  public HttpCaller(
      ClientFactory factory,
      Expressions expressions,
      EgressGuard egress,
      OrgAccess access,
      Bulkheads bulkheads,
      OpenTelemetry otel) {
    this.tracing = Tracing.clientDecorator(requireNonNull(otel, "otel"));
    this.bulkheads = requireNonNull(bulkheads, "bulkheads");
    this.factory = requireNonNull(factory, "factory");
    this.expressions = requireNonNull(expressions, "expressions");
    this.egress = requireNonNull(egress, "egress");
    this.access = requireNonNull(access, "access");
  }

  /** One request as it goes out: method, URL, headers (and which carry secrets) and body. */
  private record Outgoing(
      HttpMethod method,
      URI uri,
      Map<String, String> headers,
      Set<String> secretHeaders,
      @Nullable String body) {}

  /**
   * Sends one attempt of {@code node} for {@code org} and returns the response body as JSON, with
   * the secrets it used redacted.
   *
   * @throws NodeFailure PERMISSION_DENIED ({@code EGRESS_DENIED}) when the egress policy refuses
   *     the URL or a redirect; UNAVAILABLE for connection failures, 5xx and an open circuit;
   *     DEADLINE_EXCEEDED for timeouts and 408; RESOURCE_EXHAUSTED for 429; FAILED_PRECONDITION for
   *     other unsuccessful responses and missing secrets
   */
  public Value call(
      String org,
      HttpNode node,
      Map<String, Object> variables,
      String idempotencyKey,
      Duration timeout) {
    var expansion = new SecretExpansion(org, access, expressions, variables);
    try {
      URI uri = uri(expansion.text(node.getUrl()));
      // The policy first: a call that may not go needs none of its headers or secrets.
      EgressGuard.Destination first = check(org, uri, false);
      Outgoing request = build(node, uri, expansion, idempotencyKey);
      return send(org, node, request, first, timeout, expansion.redactor());
    } catch (NodeFailure failure) {
      throw failure.redacted(expansion.redactor());
    }
  }

  private static URI uri(String url) {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT, "the node's url is not a URL: " + e.getReason());
    }
  }

  private Outgoing build(HttpNode node, URI uri, SecretExpansion expansion, String idempotencyKey) {
    HttpMethod method =
        node.getMethod().isEmpty() ? HttpMethod.GET : HttpMethod.valueOf(node.getMethod());
    Map<String, String> headers = new LinkedHashMap<>();
    Set<String> secretHeaders = new java.util.HashSet<>();
    node.getHeadersMap()
        .forEach(
            (name, value) -> {
              int before = expansion.secretsUsed();
              headers.put(name.toLowerCase(Locale.ROOT), expansion.text(value));
              if (expansion.secretsUsed() > before) {
                secretHeaders.add(name.toLowerCase(Locale.ROOT));
              }
            });
    headers.put("idempotency-key", idempotencyKey);
    String body =
        node.getBody().isEmpty()
            ? null
            : expansion.json(JsonValues.toJson(expressions.eval(node.getBody(), expansion.vars())));
    return new Outgoing(method, uri, headers, secretHeaders, body);
  }

  private Value send(
      String org,
      HttpNode node,
      Outgoing first,
      EgressGuard.Destination firstDestination,
      Duration timeout,
      Redactor redactor) {
    Outgoing request = first;
    for (int hop = 0; ; hop++) {
      EgressGuard.Destination destination =
          hop == 0 ? firstDestination : check(org, request.uri(), true);
      EgressGuard.Destination to = destination;
      Outgoing sent = request;
      AggregatedHttpResponse response =
          bulkheads.runUninterruptibly(
              "http:" + org + "/" + to.host().toLowerCase(Locale.ROOT),
              () -> execute(to, sent, timeout));
      int code = response.status().code();
      boolean wanted =
          node.getSuccessCodesCount() == 0
              ? response.status().isSuccess()
              : node.getSuccessCodesList().contains(code);
      String location = response.headers().get(HttpHeaderNames.LOCATION);
      if (!wanted && REDIRECTS.contains(code) && location != null) {
        if (hop == MAX_REDIRECTS) {
          throw new NodeFailure(
              Status.Code.FAILED_PRECONDITION,
              request.uri() + " redirected more than " + MAX_REDIRECTS + " times");
        }
        request = redirected(request, code, location);
        continue;
      }
      if (!wanted) {
        throw new NodeFailure(
            codeOf(code),
            request.method() + " " + request.uri() + " answered " + response.status());
      }
      return JsonValues.parseLenient(redactor.redact(response.contentUtf8()));
    }
  }

  private EgressGuard.Destination check(String org, URI uri, boolean redirect) {
    try {
      return egress.check(org, uri);
    } catch (EgressGuard.Refused refused) {
      throw new NodeFailure(
          Status.Code.PERMISSION_DENIED,
          ErrorReason.ERROR_REASON_EGRESS_DENIED,
          Map.of("host", refused.host()),
          (redirect ? "redirect to " + uri + " refused by egress policy: " : "egress refused: ")
              + refused.getMessage());
    } catch (UnknownHostException e) {
      throw new NodeFailure(Status.Code.UNAVAILABLE, uri.getHost() + " does not resolve");
    }
  }

  private AggregatedHttpResponse execute(
      EgressGuard.Destination d, Outgoing request, Duration timeout) {
    Endpoint endpoint = Endpoint.of(d.host(), d.port()).withIpAddr(d.address().getHostAddress());
    WebClient client =
        WebClient.builder(SessionProtocol.of(d.scheme()), endpoint)
            .factory(factory)
            .decorator(CircuitBreakerClient.newDecorator(breaker(d.host()), rule))
            .decorator(tracing)
            .build();
    String path =
        request.uri().getRawPath() == null || request.uri().getRawPath().isEmpty()
            ? "/"
            : request.uri().getRawPath();
    if (request.uri().getRawQuery() != null) {
      path += "?" + request.uri().getRawQuery();
    }
    RequestHeadersBuilder headers = RequestHeaders.builder(request.method(), path);
    request.headers().forEach(headers::add);
    HttpRequest http =
        request.body() == null
            ? HttpRequest.of(headers.build())
            : HttpRequest.of(
                headers.contentType(MediaType.JSON_UTF_8).build(), HttpData.ofUtf8(request.body()));
    try {
      return client
          .execute(http, RequestOptions.builder().responseTimeout(timeout).build())
          .aggregate()
          .join();
    } catch (CompletionException e) {
      throw failure(request.uri(), e.getCause() == null ? e : e.getCause());
    }
  }

  private CircuitBreaker breaker(String host) {
    return breakers.computeIfAbsent(
        host.toLowerCase(Locale.ROOT), h -> CircuitBreaker.builder("http-node:" + h).build());
  }

  /** The request a redirect asks for, as browsers and curl send it. */
  private static Outgoing redirected(Outgoing request, int code, String location) {
    URI next = request.uri().resolve(URI.create(location.strip()));
    boolean toGet =
        code == 303
            || ((code == 301 || code == 302)
                && request.method() != HttpMethod.GET
                && request.method() != HttpMethod.HEAD);
    Map<String, String> headers = new LinkedHashMap<>(request.headers());
    if (!sameOrigin(request.uri(), next)) {
      headers
          .keySet()
          .removeIf(h -> CREDENTIAL_HEADERS.contains(h) || request.secretHeaders().contains(h));
    }
    return new Outgoing(
        toGet ? HttpMethod.GET : request.method(),
        next,
        headers,
        request.secretHeaders(),
        toGet ? null : request.body());
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme())
        && Objects.equals(
            a.getHost() == null ? null : a.getHost().toLowerCase(Locale.ROOT),
            b.getHost() == null ? null : b.getHost().toLowerCase(Locale.ROOT))
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
  }

  private static NodeFailure failure(URI uri, Throwable cause) {
    if (cause instanceof UnprocessedRequestException
        && cause.getCause() instanceof FailFastException) {
      cause = cause.getCause();
    }
    if (cause instanceof ResponseTimeoutException) {
      return new NodeFailure(Status.Code.DEADLINE_EXCEEDED, uri + " did not answer in time");
    }
    if (cause instanceof FailFastException) {
      return new NodeFailure(Status.Code.UNAVAILABLE, "circuit open for " + uri.getHost());
    }
    if (cause instanceof UnprocessedRequestException) {
      return new NodeFailure(Status.Code.UNAVAILABLE, uri + " is unreachable");
    }
    return new NodeFailure(
        Status.Code.UNAVAILABLE, uri + " failed: " + cause.getClass().getSimpleName());
  }

  private static Status.Code codeOf(int httpStatus) {
    if (httpStatus == 408) {
      return Status.Code.DEADLINE_EXCEEDED;
    }
    if (httpStatus == 429) {
      return Status.Code.RESOURCE_EXHAUSTED;
    }
    return httpStatus >= 500 ? Status.Code.UNAVAILABLE : Status.Code.FAILED_PRECONDITION;
  }
}
