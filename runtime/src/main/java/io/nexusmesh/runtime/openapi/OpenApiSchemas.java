package io.nexusmesh.runtime.openapi;

import build.buf.validate.FieldRules;
import build.buf.validate.ValidateProto;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * JSON Schemas (OpenAPI 3.1's dialect) of protobuf messages in their JSON mapping: lowerCamel
 * names, int64 as a string or an integer, enums by name, well-known types as their JSON forms, and
 * protovalidate constraints as the matching keywords (minLength, pattern, minimum, maxItems,
 * required...). Collects every message it meets into {@code components.schemas}.
 */
final class OpenApiSchemas {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Map<String, ObjectNode> components = new TreeMap<>();

  /** A reference to {@code message}'s schema, adding it (and what it uses) to the components. */
  ObjectNode ref(Descriptor message) {
    ObjectNode wellKnown = wellKnown(message.getFullName());
    if (wellKnown != null) {
      return wellKnown;
    }
    if (!components.containsKey(message.getFullName())) {
      components.put(message.getFullName(), JSON.objectNode()); // breaks cycles
      components.put(message.getFullName(), object(message));
    }
    return JSON.objectNode().put("$ref", "#/components/schemas/" + message.getFullName());
  }

  /** The schema of one field, its constraints included. */
  ObjectNode field(FieldDescriptor field) {
    FieldRules rules = field.getOptions().getExtension(ValidateProto.field);
    if (field.isMapField()) {
      ObjectNode map = JSON.objectNode().put("type", "object");
      map.set(
          "additionalProperties", single(field.getMessageType().findFieldByName("value"), null));
      if (rules.hasMap()) {
        if (rules.getMap().hasMinPairs()) {
          map.put("minProperties", rules.getMap().getMinPairs());
        }
        if (rules.getMap().hasMaxPairs()) {
          map.put("maxProperties", rules.getMap().getMaxPairs());
        }
      }
      return map;
    }
    if (field.isRepeated()) {
      ObjectNode array = JSON.objectNode().put("type", "array");
      array.set(
          "items",
          single(
              field,
              rules.hasRepeated() && rules.getRepeated().hasItems()
                  ? rules.getRepeated().getItems()
                  : null));
      if (rules.hasRepeated()) {
        var r = rules.getRepeated();
        if (r.hasMinItems()) {
          array.put("minItems", r.getMinItems());
        }
        if (r.hasMaxItems()) {
          array.put("maxItems", r.getMaxItems());
        }
        if (r.getUnique()) {
          array.put("uniqueItems", true);
        }
      }
      return array;
    }
    return single(field, rules);
  }

  /** Whether protovalidate makes the field required. */
  static boolean required(FieldDescriptor field) {
    return field.getOptions().getExtension(ValidateProto.field).getRequired();
  }

  /** The schemas met so far, by full message name. */
  ObjectNode components() {
    ObjectNode out = JSON.objectNode();
    components.forEach(out::set);
    return out;
  }

  private ObjectNode object(Descriptor message) {
    ObjectNode schema = JSON.objectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = JSON.arrayNode();
    for (FieldDescriptor f : message.getFields()) {
      properties.set(f.getJsonName(), field(f));
      if (required(f)) {
        required.add(f.getJsonName());
      }
    }
    if (!required.isEmpty()) {
      schema.set("required", required);
    }
    return schema;
  }

  private ObjectNode single(FieldDescriptor field, FieldRules rules) {
    ObjectNode schema =
        switch (field.getJavaType()) {
          case INT -> JSON.objectNode().put("type", "integer").put("format", "int32");
          case LONG -> {
            // protobuf's JSON mapping writes 64-bit integers as strings and reads either.
            ObjectNode s = JSON.objectNode();
            s.putArray("type").add("string").add("integer");
            yield s.put("format", "int64");
          }
          case FLOAT, DOUBLE -> JSON.objectNode().put("type", "number");
          case BOOLEAN -> JSON.objectNode().put("type", "boolean");
          case STRING -> JSON.objectNode().put("type", "string");
          case BYTE_STRING ->
              JSON.objectNode().put("type", "string").put("contentEncoding", "base64");
          case ENUM -> {
            ObjectNode s = JSON.objectNode().put("type", "string");
            ArrayNode names = s.putArray("enum");
            var notIn =
                rules == null || !rules.hasEnum()
                    ? java.util.List.<Integer>of()
                    : rules.getEnum().getNotInList();
            for (EnumValueDescriptor v : field.getEnumType().getValues()) {
              if (!notIn.contains(v.getNumber())) {
                names.add(v.getName());
              }
            }
            yield s;
          }
          case MESSAGE -> ref(field.getMessageType());
        };
    if (rules != null) {
      constrain(schema, rules);
    }
    return schema;
  }

  private static void constrain(ObjectNode schema, FieldRules rules) {
    if (rules.hasString()) {
      var s = rules.getString();
      if (s.hasLen()) {
        schema.put("minLength", s.getLen()).put("maxLength", s.getLen());
      }
      if (s.hasMinLen()) {
        schema.put("minLength", s.getMinLen());
      }
      if (s.hasMaxLen()) {
        schema.put("maxLength", s.getMaxLen());
      }
      if (s.hasPattern()) {
        schema.put("pattern", s.getPattern());
      }
      if (s.hasPrefix()) {
        schema.put("pattern", "^" + ecmaQuote(s.getPrefix()));
      }
      if (s.getUri()) {
        schema.put("format", "uri");
      }
    }
    if (rules.hasInt32()) {
      var r = rules.getInt32();
      bounds(
          schema,
          r.hasGte() ? r.getGte() : null,
          r.hasGt() ? r.getGt() : null,
          r.hasLte() ? r.getLte() : null,
          r.hasLt() ? r.getLt() : null);
    }
    if (rules.hasInt64()) {
      var r = rules.getInt64();
      bounds(
          schema,
          r.hasGte() ? r.getGte() : null,
          r.hasGt() ? r.getGt() : null,
          r.hasLte() ? r.getLte() : null,
          r.hasLt() ? r.getLt() : null);
    }
    if (rules.hasDouble()) {
      var r = rules.getDouble();
      bounds(
          schema,
          r.hasGte() ? r.getGte() : null,
          r.hasGt() ? r.getGt() : null,
          r.hasLte() ? r.getLte() : null,
          r.hasLt() ? r.getLt() : null);
    }
  }

  /** The JSON Schema keywords of a numeric rule's bounds (each null when the rule has none). */
  private static void bounds(
      ObjectNode schema,
      @Nullable Number gte,
      @Nullable Number gt,
      @Nullable Number lte,
      @Nullable Number lt) {
    put(schema, "minimum", gte);
    put(schema, "exclusiveMinimum", gt);
    put(schema, "maximum", lte);
    put(schema, "exclusiveMaximum", lt);
  }

  private static void put(ObjectNode schema, String keyword, @Nullable Number value) {
    if (value instanceof Double d) {
      schema.put(keyword, d);
    } else if (value != null) {
      schema.put(keyword, value.longValue());
    }
  }

  /** {@code text} as a literal in an ECMA-262 regular expression. */
  private static String ecmaQuote(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if ("\\^$.|?*+()[]{}/".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  private static ObjectNode wellKnown(String fullName) {
    return switch (fullName) {
      case "google.protobuf.Timestamp" ->
          JSON.objectNode().put("type", "string").put("format", "date-time");
      case "google.protobuf.Duration" ->
          JSON.objectNode().put("type", "string").put("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
      case "google.protobuf.FieldMask" ->
          JSON.objectNode().put("type", "string").put("description", "comma-separated field paths");
      case "google.protobuf.Struct", "google.protobuf.Empty" ->
          JSON.objectNode().put("type", "object");
      case "google.protobuf.ListValue" -> JSON.objectNode().put("type", "array");
      case "google.protobuf.Value" -> JSON.objectNode().put("description", "any JSON value");
      case "google.protobuf.Any" -> {
        ObjectNode any = JSON.objectNode().put("type", "object");
        any.putObject("properties").putObject("@type").put("type", "string");
        yield any;
      }
      case "google.protobuf.StringValue" -> JSON.objectNode().put("type", "string");
      case "google.protobuf.BoolValue" -> JSON.objectNode().put("type", "boolean");
      case "google.protobuf.Int32Value", "google.protobuf.UInt32Value" ->
          JSON.objectNode().put("type", "integer");
      case "google.protobuf.DoubleValue", "google.protobuf.FloatValue" ->
          JSON.objectNode().put("type", "number");
      default -> null;
    };
  }
}
