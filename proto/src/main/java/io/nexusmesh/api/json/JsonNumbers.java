package io.nexusmesh.api.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * Numbers in protobuf JSON, kept as the caller sent them. A {@code google.protobuf.Value} holds
 * every number as a double, and protobuf's printers write a double as {@code 1.0}, so a caller's
 * {@code 1} would come back as {@code 1.0} and {@code 12345678901234567} as {@code
 * 1.2345678901234568E16}. This class writes every integral floating-point literal up to 2^53 as an
 * integer ({@link #integral}) and finds, in what a caller sends, an integer beyond 2^53 in a
 * Struct, Value or ListValue, which a double cannot hold exactly ({@link #inexactInteger}), so it
 * can be refused instead of rounded. Fields of other types (int64 and the like) are exact already
 * and left alone.
 *
 * <p>Written by hand because neither protobuf's {@code JsonFormat} nor the JSON marshaller Armeria
 * uses has an option for either: the output side is one pass over the text, the input side one pass
 * of Jackson's streaming parser guided by the message descriptor.
 */
public final class JsonNumbers {
  /** 2^53: beyond it, not every integer is a double. */
  public static final long MAX_EXACT = 1L << 53;

  private static final BigDecimal MAX = BigDecimal.valueOf(MAX_EXACT);
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final Set<String> DYNAMIC =
      Set.of("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue");

  private JsonNumbers() {}

  /** {@code json} with every integral floating-point literal up to 2^53 written as an integer. */
  public static String integral(String json) {
    return mayNeedRewrite(json) ? rewrite(json) : json;
  }

  /** Like {@link #integral(String)}, on UTF-8 bytes. */
  public static byte[] integral(byte[] json) {
    boolean mayNeed = false;
    for (byte b : json) {
      if (b == '.' || b == 'e' || b == 'E') {
        mayNeed = true;
        break;
      }
    }
    // Most answers hold no float literal at all: they pass through without being decoded.
    return mayNeed
        ? rewrite(new String(json, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)
        : json;
  }

  /**
   * The path (e.g. {@code input.big}) of the first integer beyond 2^53 that {@code json}, a message
   * of {@code type}, puts in a Struct, Value or ListValue; empty when there is none. JSON that does
   * not parse yields empty: the parser that reads it next says what is wrong.
   */
  public static Optional<Inexact> inexactInteger(Descriptor type, byte[] json) {
    if (!hasLongDigitRun(json)) {
      return Optional.empty();
    }
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      return Optional.ofNullable(message(parser, type, ""));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Like {@link #inexactInteger(Descriptor, byte[])} for JSON that is a Struct or Value as a whole
   * (e.g. MCP tool arguments), its paths starting at {@code root}.
   */
  public static Optional<Inexact> inexactIntegerInValue(byte[] json, String root) {
    if (!hasLongDigitRun(json)) {
      return Optional.empty();
    }
    try (JsonParser parser = JSON.createParser(json)) {
      return Optional.ofNullable(dynamic(parser, root, parser.nextToken()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** An integer that a double cannot hold, and where it is. */
  public record Inexact(String path, String literal) {
    /** What to tell the caller. */
    public String description() {
      return literal
          + " is an integer beyond 2^53, which a JSON number here (a double) cannot hold exactly;"
          + " send it as a string";
    }
  }

  private static Inexact message(JsonParser p, Descriptor type, String path) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      FieldDescriptor field = type.findFieldByName(name);
      if (field == null) {
        field =
            type.getFields().stream()
                .filter(f -> f.getJsonName().equals(name))
                .findFirst()
                .orElse(null);
      }
      JsonToken token = p.nextToken();
      String at = path.isEmpty() ? name : path + "." + name;
      Inexact found = null;
      if (field == null) {
        p.skipChildren();
      } else if (field.isMapField()) {
        found = map(p, field, at, token);
      } else if (field.isRepeated() && token == JsonToken.START_ARRAY) {
        for (int i = 0; found == null && p.nextToken() != JsonToken.END_ARRAY; i++) {
          found = single(p, field, at + "[" + i + "]", p.currentToken());
        }
        if (found == null) {
          continue;
        }
      } else {
        found = single(p, field, at, token);
      }
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Inexact map(JsonParser p, FieldDescriptor field, String at, JsonToken token)
      throws IOException {
    if (token != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    FieldDescriptor value = field.getMessageType().findFieldByName("value");
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      Inexact found = single(p, value, at + "." + key, p.nextToken());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Inexact single(JsonParser p, FieldDescriptor field, String at, JsonToken token)
      throws IOException {
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      p.skipChildren();
      return null;
    }
    if (DYNAMIC.contains(field.getMessageType().getFullName())) {
      return dynamic(p, at, token);
    }
    if (token == JsonToken.START_OBJECT
        && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
      return message(p, field.getMessageType(), at);
    }
    p.skipChildren();
    return null;
  }

  private static Inexact dynamic(JsonParser p, String at, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          Inexact found = dynamic(p, at + "." + key, p.nextToken());
          if (found != null) {
            return found;
          }
        }
      }
      case START_ARRAY -> {
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
          Inexact found = dynamic(p, at + "[" + i + "]", t);
          if (found != null) {
            return found;
          }
        }
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        if (token == JsonToken.VALUE_NUMBER_FLOAT && p.getText().matches(".*[eE].*")) {
          return null; // 1e17 says "a double" and is one
        }
        BigDecimal value = p.getDecimalValue();
        if (value.abs().compareTo(MAX) > 0 && isIntegral(value)) {
          return new Inexact(at, p.getText());
        }
      }
      default -> {}
    }
    return null;
  }

  /**
   * Rewrites the number literals outside strings, keeping everything else (the printer's
   * indentation included) as it is.
   */
  private static String rewrite(String json) {
    StringBuilder out = new StringBuilder(json.length());
    boolean inString = false;
    int i = 0;
    while (i < json.length()) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\' && i + 1 < json.length()) {
          out.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
        i++;
      } else if (c == '"') {
        inString = true;
        out.append(c);
        i++;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        int end = i + 1;
        while (end < json.length() && "0123456789.eE+-".indexOf(json.charAt(end)) >= 0) {
          end++;
        }
        out.append(integralLiteral(json.substring(i, end)));
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String integralLiteral(String literal) {
    if (literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0) {
      return literal;
    }
    double d = Double.parseDouble(literal);
    if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT && !(d == 0 && 1 / d < 0)) {
      return Long.toString((long) d);
    }
    return literal;
  }

  private static boolean isIntegral(BigDecimal value) {
    return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
  }

  private static boolean mayNeedRewrite(String json) {
    return json.indexOf('.') >= 0 || json.indexOf('E') >= 0 || json.indexOf('e') >= 0;
  }

  /** 2^53 has 16 digits: shorter integers are always exact, so most bodies skip the parse. */
  private static boolean hasLongDigitRun(byte[] json) {
    int run = 0;
    for (byte b : json) {
      if ((b >= '0' && b <= '9') || b == 'e' || b == 'E') {
        if (++run >= 16) {
          return true;
        }
      } else if (b != '.') {
        run = 0;
      }
    }
    return false;
  }
}
