package io.nexusmesh.gateway.engine;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between JSON as protobuf ({@link Value}, {@link Struct}) and the plain Java values CEL
 * evaluates over (maps, lists, strings, doubles, booleans, {@link NullValue}). JSON numbers are
 * doubles, as in protobuf's JSON mapping; CEL integers become JSON numbers on the way back.
 */
public final class JsonValues {
  private JsonValues() {}

  /** {@code value} as CEL sees it. */
  public static Object toCel(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> NullValue.NULL_VALUE;
      case NUMBER_VALUE -> value.getNumberValue();
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> value.getBoolValue();
      case STRUCT_VALUE -> toCel(value.getStructValue());
      case LIST_VALUE -> {
        List<Object> list = new ArrayList<>(value.getListValue().getValuesCount());
        value.getListValue().getValuesList().forEach(v -> list.add(toCel(v)));
        yield list;
      }
    };
  }

  /** {@code struct} as a CEL map. */
  public static Map<String, Object> toCel(Struct struct) {
    Map<String, Object> map = new LinkedHashMap<>();
    struct.getFieldsMap().forEach((k, v) -> map.put(k, toCel(v)));
    return map;
  }

  /** A CEL result as JSON; fails with INVALID_ARGUMENT for values JSON cannot hold. */
  public static Value fromCel(Object result) {
    return switch (result) {
      case Value v -> v;
      case NullValue n -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case dev.cel.common.values.NullValue n ->
          Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case String s -> Value.newBuilder().setStringValue(s).build();
      case Boolean b -> Value.newBuilder().setBoolValue(b).build();
      case Double d -> Value.newBuilder().setNumberValue(d).build();
      case Long l -> Value.newBuilder().setNumberValue(l).build();
      case Integer i -> Value.newBuilder().setNumberValue(i).build();
      case UnsignedLong u -> Value.newBuilder().setNumberValue(u.doubleValue()).build();
      case ByteString bytes ->
          Value.newBuilder()
              .setStringValue(Base64.getEncoder().encodeToString(bytes.toByteArray()))
              .build();
      case Map<?, ?> map -> {
        Struct.Builder struct = Struct.newBuilder();
        map.forEach((k, v) -> struct.putFields(String.valueOf(k), fromCel(v)));
        yield Value.newBuilder().setStructValue(struct).build();
      }
      case Iterable<?> items -> {
        ListValue.Builder list = ListValue.newBuilder();
        items.forEach(v -> list.addValues(fromCel(v)));
        yield Value.newBuilder().setListValue(list).build();
      }
      case com.google.protobuf.Timestamp t ->
          Value.newBuilder()
              .setStringValue(com.google.protobuf.util.Timestamps.toString(t))
              .build();
      case com.google.protobuf.Duration d ->
          Value.newBuilder().setStringValue(com.google.protobuf.util.Durations.toString(d)).build();
      default ->
          throw new NodeFailure(
              io.grpc.Status.Code.INVALID_ARGUMENT,
              "a " + result.getClass().getSimpleName() + " cannot be expressed as JSON");
    };
  }

  /** {@code value} as a Struct; a non-object value is wrapped as {@code {"value": ...}}. */
  public static Struct asStruct(Value value) {
    return value.hasStructValue()
        ? value.getStructValue()
        : Struct.newBuilder().putFields("value", value).build();
  }

  /** A struct as a Value. */
  public static Value of(Struct struct) {
    return Value.newBuilder().setStructValue(struct).build();
  }

  /** A string as a Value. */
  public static Value of(String string) {
    return Value.newBuilder().setStringValue(string).build();
  }

  /** Compact JSON text of {@code value}. */
  public static String toJson(Value value) {
    try {
      return io.nexusmesh.api.json.JsonNumbers.integral(
          JsonFormat.printer().omittingInsignificantWhitespace().print(value));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not printable as JSON", e);
    }
  }

  /** Parses JSON text; a body that is not JSON becomes a JSON string of the text. */
  public static Value parseLenient(String text) {
    if (text.isBlank()) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    try {
      Value.Builder value = Value.newBuilder();
      JsonFormat.parser().merge(text, value);
      return value.build();
    } catch (InvalidProtocolBufferException e) {
      return of(text);
    }
  }
}
