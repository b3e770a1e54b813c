package io.nexusmesh.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.nexusmesh.api.json.JsonNumbers;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Converts between {@code google.protobuf.Struct} and Jackson trees by walking them, where the hot
 * paths (MCP arguments and results, input-schema checks) used to print one side as JSON text and
 * parse it back: that round trip was a tenth of a small tool call's CPU. Numbers follow the rules
 * the text path had: a Struct number is a double; JSON integers beyond 2^53 are refused (a double
 * cannot hold them); integral doubles up to 2^53 may come out as integers.
 */
public final class StructJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private StructJson() {}

  /**
   * A number a double may not hold exactly: an integer beyond 2^53 ({@link #found} says where), or
   * an integral floating-point number beyond 2^53 ({@link #found} empty) whose literal the tree no
   * longer has (is it {@code 1e17}, a double, or {@code 100000000000000000.0}?): judge such a tree
   * from its text instead.
   */
  public static final class InexactNumber extends RuntimeException {
    private final transient JsonNumbers.@Nullable Inexact found;

    InexactNumber(JsonNumbers.@Nullable Inexact found) {
      super(found == null ? "an integral number beyond 2^53" : found.path(), null, false, false);
      this.found = found;
    }

    /** The integer beyond 2^53 and where it is, when that is what was found. */
    public Optional<JsonNumbers.Inexact> found() {
      return Optional.ofNullable(found);
    }
  }

  /** The Struct of a JSON object; paths in an {@link InexactNumber} start at {@code root}. */
  public static Struct struct(ObjectNode object, String root) {
    Struct.Builder struct = Struct.newBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      struct.putFields(field.getKey(), value(field.getValue(), root + "." + field.getKey()));
    }
    return struct.build();
  }

  private static Value value(JsonNode node, String path) {
    Value.Builder value = Value.newBuilder();
    switch (node.getNodeType()) {
      case OBJECT -> value.setStructValue(struct((ObjectNode) node, path));
      case ARRAY -> {
        ListValue.Builder list = ListValue.newBuilder();
        for (int i = 0; i < node.size(); i++) {
          list.addValues(value(node.get(i), path + "[" + i + "]"));
        }
        value.setListValue(list);
      }
      case NUMBER -> {
        if (node.isIntegralNumber()) {
          if (!node.canConvertToLong() || Math.abs(node.longValue()) > JsonNumbers.MAX_EXACT) {
            throw new InexactNumber(new JsonNumbers.Inexact(path, node.asText()));
          }
        } else if (Math.abs(node.doubleValue()) > JsonNumbers.MAX_EXACT
            && node.doubleValue() == Math.rint(node.doubleValue())) {
          throw new InexactNumber(null);
        }
        value.setNumberValue(node.doubleValue());
      }
      case STRING -> value.setStringValue(node.textValue());
      case BOOLEAN -> value.setBoolValue(node.booleanValue());
      default -> value.setNullValue(NullValue.NULL_VALUE);
    }
    return value.build();
  }

  /**
   * The JSON tree of {@code struct}; with {@code integral}, integral numbers up to 2^53 as integers
   * ({@code 1}, not {@code 1.0}), as every channel shows them. Empty when it holds a number JSON
   * cannot write (NaN, an infinity): print such a Struct with {@code JsonFormat} instead.
   */
  public static Optional<ObjectNode> tree(Struct struct, boolean integral) {
    ObjectNode object = NODES.objectNode();
    for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
      JsonNode value = node(field.getValue(), integral);
      if (value == null) {
        return Optional.empty();
      }
      object.set(field.getKey(), value);
    }
    return Optional.of(object);
  }

  private static JsonNode node(Value value, boolean integral) {
    return switch (value.getKindCase()) {
      case STRUCT_VALUE -> tree(value.getStructValue(), integral).orElse(null);
      case LIST_VALUE -> {
        ArrayNode array = NODES.arrayNode();
        for (Value item : value.getListValue().getValuesList()) {
          JsonNode node = node(item, integral);
          if (node == null) {
            yield null;
          }
          array.add(node);
        }
        yield array;
      }
      case NUMBER_VALUE -> {
        double d = value.getNumberValue();
        if (!Double.isFinite(d)) {
          yield null;
        }
        if (!integral || d != Math.rint(d) || Math.abs(d) > JsonNumbers.MAX_EXACT) {
          yield NODES.numberNode(d);
        }
        // The node types Jackson's parser gives such literals.
        long whole = (long) d;
        yield whole == (int) whole ? NODES.numberNode((int) whole) : NODES.numberNode(whole);
      }
      case STRING_VALUE -> NODES.textNode(value.getStringValue());
      case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
      case NULL_VALUE, KIND_NOT_SET -> NODES.nullNode();
    };
  }
}
