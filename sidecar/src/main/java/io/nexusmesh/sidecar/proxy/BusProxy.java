package io.nexusmesh.sidecar.proxy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import io.nexusmesh.sidecar.PanelIdentity;
import java.io.IOException;
import java.time.Instant;
import java.util.regex.Pattern;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The panel's side of the transactional bus. {@code POST /proxy} with {@code {"channel": "...",
 * "payload": ...}} publishes on Redis topic {@code nx:bus:{org}:panel:{panel}:{channel}} an
 * envelope whose {@code sender} (organisation, panel, instance) the sidecar writes: whatever sender
 * the user code puts in its body is ignored, so it cannot speak for another panel. {@code GET
 * /subscribe?channel=...} streams the panel's own channel back as server-sent events.
 */
public final class BusProxy {
  /** A channel name: lowercase letters, digits, '.', '_' or '-', at most 128. */
  public static final Pattern CHANNEL = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,127}$");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RedissonClient redis;
  private final PanelIdentity identity;

  public BusProxy(RedissonClient redis, PanelIdentity identity) {
    this.redis = requireNonNull(redis, "redis");
    this.identity = requireNonNull(identity, "identity");
  }

  /** The Redis topic of a panel's channel. */
  public static String topic(String org, String panel, String channel) {
    return "nx:bus:{" + org + "}:panel:" + panel + ":" + channel;
  }

  /** {@code POST /proxy}. */
  public HttpService publish() {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenApplyAsync(
                    body -> {
                      JsonNode message;
                      try {
                        message = JSON.readTree(body.contentUtf8());
                      } catch (IOException e) {
                        return problem(HttpStatus.BAD_REQUEST, "the body is not JSON");
                      }
                      if (message == null || !message.isObject()) {
                        return problem(HttpStatus.BAD_REQUEST, "the body must be a JSON object");
                      }
                      String channel = message.path("channel").asText("");
                      if (!CHANNEL.matcher(channel).matches()) {
                        return problem(
                            HttpStatus.BAD_REQUEST,
                            "channel: lowercase letters, digits, '.', '_' or '-', at most 128");
                      }
                      var named = identity.named();
                      if (named.isEmpty()) {
                        return problem(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            "the sidecar has not registered with the mesh yet");
                      }
                      ObjectNode envelope = JSON.createObjectNode();
                      envelope
                          .putObject("sender")
                          .put("org", named.get().org())
                          .put("panel", named.get().panel())
                          .put("instance", identity.instance());
                      envelope.put("channel", channel);
                      envelope.put("time", Instant.now().toString());
                      envelope.set("payload", message.path("payload"));
                      RTopic topic =
                          redis.getTopic(
                              topic(named.get().org(), named.get().panel(), channel),
                              StringCodec.INSTANCE);
                      long receivers = topic.publish(envelope.toString());
                      return HttpResponse.ofJson(
                          HttpStatus.ACCEPTED, JSON.createObjectNode().put("receivers", receivers));
                    },
                    ctx.blockingTaskExecutor()));
  }

  /** {@code GET /subscribe?channel=...}: the panel's own channel, as server-sent events. */
  public HttpService subscribe() {
    return (ctx, req) -> {
      String channel = ctx.queryParam("channel");
      if (channel == null || !CHANNEL.matcher(channel).matches()) {
        return problem(HttpStatus.BAD_REQUEST, "channel: missing or not a channel name");
      }
      var named = identity.named();
      if (named.isEmpty()) {
        return problem(
            HttpStatus.SERVICE_UNAVAILABLE, "the sidecar has not registered with the mesh yet");
      }
      RTopic topic =
          redis.getTopic(
              topic(named.get().org(), named.get().panel(), channel), StringCodec.INSTANCE);
      StreamWriter<ServerSentEvent> events = StreamMessage.streaming();
      // Subscribing waits for Redis: asynchronously, off the event loop's back.
      topic
          .addListenerAsync(
              String.class, (ch, message) -> events.tryWrite(ServerSentEvent.ofData(message)))
          .whenComplete(
              (listener, failure) -> {
                if (failure != null) {
                  events.close(failure);
                  return;
                }
                events
                    .whenComplete()
                    .handle(
                        (ok, e) -> {
                          topic.removeListenerAsync(listener);
                          return null;
                        });
              });
      ctx.clearRequestTimeout();
      return ServerSentEvents.fromPublisher(
          ResponseHeaders.of(HttpStatus.OK, "content-type", MediaType.EVENT_STREAM.toString()),
          events);
    };
  }

  private static HttpResponse problem(HttpStatus status, String detail) {
    return HttpResponse.ofJson(status, JSON.createObjectNode().put("error", detail));
  }
}
