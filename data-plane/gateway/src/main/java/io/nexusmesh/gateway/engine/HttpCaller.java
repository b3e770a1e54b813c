package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.RequestOptions;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.circuitbreaker.FailFastException;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.grpc.Status;
import io.nexusmesh.api.workflow.v1.HttpNode;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the HTTP nodes of workflows with Armeria's client: one attempt per call (the engine owns
 * retries, so that each attempt is journaled with its own idempotency key), a response timeout per
 * attempt, a circuit breaker per host (a failing downstream fails fast instead of piling up
 * requests), and the {@code Idempotency-Key} header on every request.
 */
public final class HttpCaller {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.+?)}}");

  private final WebClient client;
  private final Expressions expressions;

  public HttpCaller(ClientFactory factory, Expressions expressions) {
    this.expressions = requireNonNull(expressions, "expressions");
    CircuitBreakerRule rule =
        CircuitBreakerRule.builder().onServerErrorStatus().onException().thenFailure();
    this.client =
        WebClient.builder()
            .factory(requireNonNull(factory, "factory"))
            .decorator(
                CircuitBreakerClient.newPerHostDecorator(
                    host -> CircuitBreaker.builder("http-node:" + host).build(), rule))
            .build();
  }

  /**
   * Sends one attempt of {@code node} and returns the response body as JSON.
   *
   * @throws NodeFailure UNAVAILABLE for connection failures, 5xx and an open circuit;
   *     DEADLINE_EXCEEDED for timeouts and 408; RESOURCE_EXHAUSTED for 429; FAILED_PRECONDITION for
   *     other unsuccessful responses
   */
  public Value call(
      HttpNode node, Map<String, Object> variables, String idempotencyKey, Duration timeout) {
    URI uri = URI.create(expand(node.getUrl(), variables));
    HttpMethod method =
        node.getMethod().isEmpty() ? HttpMethod.GET : HttpMethod.valueOf(node.getMethod());
    RequestHeadersBuilder headers = RequestHeaders.builder(method, uri.toString());
    node.getHeadersMap().forEach((name, value) -> headers.add(name, expand(value, variables)));
    headers.set("idempotency-key", idempotencyKey);
    HttpRequest request;
    if (node.getBody().isEmpty()) {
      request = HttpRequest.of(headers.build());
    } else {
      String body = JsonValues.toJson(expressions.eval(node.getBody(), variables));
      request =
          HttpRequest.of(
              headers.contentType(MediaType.JSON_UTF_8).build(),
              com.linecorp.armeria.common.HttpData.ofUtf8(body));
    }
    AggregatedHttpResponse response;
    try {
      response =
          client
              .execute(request, RequestOptions.builder().responseTimeout(timeout).build())
              .aggregate()
              .join();
    } catch (CompletionException e) {
      throw failure(uri, e.getCause() == null ? e : e.getCause());
    }
    int code = response.status().code();
    boolean ok =
        node.getSuccessCodesCount() == 0
            ? response.status().isSuccess()
            : node.getSuccessCodesList().contains(code);
    if (!ok) {
      throw new NodeFailure(codeOf(code), method + " " + uri + " answered " + response.status());
    }
    return JsonValues.parseLenient(response.contentUtf8());
  }

  private String expand(String template, Map<String, Object> variables) {
    if (!template.contains("{{")) {
      return template;
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Value v = expressions.eval(m.group(1).trim(), variables);
      String text = v.hasStringValue() ? v.getStringValue() : JsonValues.toJson(v);
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
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
