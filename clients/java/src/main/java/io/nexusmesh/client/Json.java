package io.nexusmesh.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.json.JsonNumbers;
import java.nio.charset.StandardCharsets;

/**
 * Protobuf JSON for callers: workflow inputs from JSON text, resources to JSON text, numbers as
 * they were sent ({@link JsonNumbers}).
 */
public final class Json {
  private Json() {}

  /**
   * A JSON object as a {@link Struct}, e.g. a workflow's input; an integer beyond 2^53 (which a
   * Struct's double would round) is refused.
   */
  public static Struct struct(String json) {
    var inexact = JsonNumbers.inexactIntegerInValue(json.getBytes(StandardCharsets.UTF_8), "input");
    if (inexact.isPresent()) {
      throw new IllegalArgumentException(inexact.get().path() + ": " + inexact.get().description());
    }
    Struct.Builder struct = Struct.newBuilder();
    merge(json, struct);
    return struct.build();
  }

  /** Parses protobuf JSON (unknown fields are an error) into {@code builder}. */
  public static <B extends Message.Builder> B merge(String json, B builder) {
    try {
      JsonFormat.parser().merge(json, builder);
      return builder;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "not valid JSON for " + builder.getDescriptorForType().getName() + ": " + e.getMessage(),
          e);
    }
  }

  /** {@code message} as indented protobuf JSON. */
  public static String print(Message message) {
    try {
      return JsonNumbers.integral(JsonFormat.printer().print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
