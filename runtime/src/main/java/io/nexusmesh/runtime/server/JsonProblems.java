package io.nexusmesh.runtime.server;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.nexusmesh.runtime.error.FieldViolation;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds where a JSON body that protobuf's JSON parser refused goes wrong, so the caller learns the
 * field and the problem ({@code spec.nodes[0].retry.max_attempts: Not an uint32 value: "x"}) rather
 * than a bare INVALID_ARGUMENT. protobuf's {@link JsonFormat} names an unknown field but not the
 * field whose value has the wrong type, and no library maps its failures to paths, hence this walk:
 * it follows the JSON against the message descriptor and lets {@link JsonFormat} judge each leaf
 * value on its own, so the rules stay protobuf's.
 */
final class JsonProblems {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LISTED_FIELDS = 16;
  private static final int MAX_DESCRIPTION = 300;

  private JsonProblems() {}

  /** Judges one JSON object as a message of the prototype's type: its problem, or null. */
  @FunctionalInterface
  interface Judge {
    @Nullable String problem(Message prototype, String json);
  }

  /**
   * The first problem of {@code json} as a message of {@code type}, or {@code fallback} at the root
   * when the walk finds none (the parser saw something the walk does not model).
   */
  static FieldViolation locate(Message type, byte[] json, String fallback, Judge judge) {
    JsonNode root;
    try (JsonParser parser = JSON.createParser(json)) {
      root = JSON.readTree(parser);
    } catch (JsonParseException e) {
      return new FieldViolation(pathOf(e), notJson(e));
    } catch (java.io.IOException e) {
      return new FieldViolation("", "not valid JSON");
    }
    if (root == null || root.isMissingNode()) {
      return new FieldViolation("", "the body is empty: expected a JSON object");
    }
    FieldViolation problem = walk(type, root, "", judge);
    return problem != null ? problem : new FieldViolation("", shorten(fallback));
  }

  private static @Nullable FieldViolation walk(
      Message prototype, JsonNode node, String path, Judge judge) {
    Descriptor type = prototype.getDescriptorForType();
    if (isWellKnown(type)) {
      return null; // judged whole by its parent field
    }
    if (!node.isObject()) {
      return new FieldViolation(
          path, "expected a JSON object (" + type.getFullName() + "), got " + kind(node));
    }
    Map<String, FieldDescriptor> byName = fieldsByName(type);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      FieldDescriptor field = byName.get(entry.getKey());
      if (field == null) {
        return new FieldViolation(
            join(path, entry.getKey()),
            "unknown field of " + type.getFullName() + "; its fields are " + listed(type));
      }
      if (entry.getValue().isNull()) {
        continue; // null means the default value
      }
      FieldViolation problem =
          check(prototype, field, entry.getValue(), join(path, field.getName()), judge);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static @Nullable FieldViolation check(
      Message container, FieldDescriptor field, JsonNode value, String path, Judge judge) {
    if (field.isMapField()) {
      if (!value.isObject()) {
        return new FieldViolation(path, "expected a JSON object (a map), got " + kind(value));
      }
      Message entryType = child(container, field);
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String entryPath = path + "[" + entry.getKey() + "]";
        FieldViolation problem =
            isMessage(valueField)
                ? walk(child(entryType, valueField), entry.getValue(), entryPath, judge)
                : judge(
                    container,
                    field,
                    valueField,
                    JSON.createObjectNode().set(entry.getKey(), entry.getValue()),
                    entry.getValue(),
                    entryPath,
                    judge);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }
    if (field.isRepeated()) {
      if (!value.isArray()) {
        return new FieldViolation(path, "expected a JSON array, got " + kind(value));
      }
      for (int i = 0; i < value.size(); i++) {
        String elementPath = path + "[" + i + "]";
        FieldViolation problem =
            isMessage(field)
                ? walk(child(container, field), value.get(i), elementPath, judge)
                : judge(
                    container,
                    field,
                    field,
                    JSON.createArrayNode().add(value.get(i)),
                    value.get(i),
                    elementPath,
                    judge);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }
    return isMessage(field)
        ? walk(child(container, field), value, path, judge)
        : judge(container, field, field, value, value, path, judge);
  }

  /**
   * Lets the parser judge one field's value ({@code asSent}, wrapped as the field needs it in
   * {@code wrapped}) alone in a message of its containing type; when refused, says what {@code
   * leaf} expects and what came (parsers' own words are often about their internals).
   */
  private static @Nullable FieldViolation judge(
      Message container,
      FieldDescriptor field,
      FieldDescriptor leaf,
      JsonNode wrapped,
      JsonNode asSent,
      String path,
      Judge judge) {
    var alone = JSON.createObjectNode().set(field.getJsonName(), wrapped);
    if (judge.problem(container, alone.toString()) == null) {
      return null;
    }
    return new FieldViolation(path, "expected " + expectation(leaf) + ", got " + shown(asSent));
  }

  private static String expectation(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case INT, LONG ->
          "a whole number (" + typeName(field) + "; a JSON number or a numeric string)";
      case FLOAT, DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      case STRING -> "a string";
      case BYTE_STRING -> "base64 (standard or URL-safe)";
      case ENUM -> {
        var values =
            field.getEnumType().getValues().stream()
                .filter(v -> v.getNumber() != 0)
                .map(v -> v.getName())
                .limit(MAX_LISTED_FIELDS)
                .collect(Collectors.joining(", "));
        yield "one of " + field.getEnumType().getFullName() + "'s values (" + values + ")";
      }
      case MESSAGE ->
          switch (field.getMessageType().getFullName()) {
            case "google.protobuf.Timestamp" -> "an RFC 3339 time such as \"2026-12-01T09:00:00Z\"";
            case "google.protobuf.Duration" -> "a duration in seconds such as \"1.5s\"";
            case "google.protobuf.FieldMask" -> "field paths separated by commas, e.g. \"a,b.c\"";
            default -> "a " + field.getMessageType().getFullName();
          };
    };
  }

  private static String typeName(FieldDescriptor field) {
    return field.getType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String shown(JsonNode value) {
    String text = value.toString();
    return text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }

  private static boolean isMessage(FieldDescriptor field) {
    return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && !isWellKnown(field.getMessageType());
  }

  private static Message child(Message container, FieldDescriptor field) {
    return container.newBuilderForType().newBuilderForField(field).getDefaultInstanceForType();
  }

  private static Map<String, FieldDescriptor> fieldsByName(Descriptor type) {
    Map<String, FieldDescriptor> byName = new java.util.HashMap<>();
    for (FieldDescriptor f : type.getFields()) {
      byName.put(f.getName(), f);
      byName.put(f.getJsonName(), f);
    }
    return byName;
  }

  private static String listed(Descriptor type) {
    String names =
        type.getFields().stream()
            .limit(MAX_LISTED_FIELDS)
            .map(FieldDescriptor::getJsonName)
            .collect(Collectors.joining(", "));
    return type.getFields().size() > MAX_LISTED_FIELDS ? names + ", ..." : names;
  }

  private static boolean isWellKnown(Descriptor type) {
    return type.getFullName().startsWith("google.protobuf.");
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** The JSON path where parsing stopped, in the dotted form field violations use. */
  private static String pathOf(JsonParseException e) {
    if (!(e.getProcessor() instanceof JsonParser parser)) {
      return "";
    }
    String pointer = parser.getParsingContext().pathAsPointer().toString();
    StringBuilder path = new StringBuilder();
    for (String segment : pointer.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (segment.chars().allMatch(Character::isDigit)) {
        path.append('[').append(segment).append(']');
      } else {
        path.append(path.isEmpty() ? "" : ".")
            .append(segment.replace("~1", "/").replace("~0", "~"));
      }
    }
    return path.toString();
  }

  /** What a JSON syntax error says to the caller: the parser's words and where, nothing more. */
  static String notJson(JsonProcessingException e) {
    var location = e.getLocation();
    return "not valid JSON: "
        + e.getOriginalMessage()
        + (location == null
            ? ""
            : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")");
  }

  private static String shorten(String message) {
    return message.length() <= MAX_DESCRIPTION
        ? message
        : message.substring(0, MAX_DESCRIPTION) + "...";
  }
}
