package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.nexusmesh.client.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Prints resources as an aligned table, as protobuf JSON or as YAML ({@code -o}). */
final class Output {
  /** The {@code -o} choices. */
  enum Format {
    table,
    json,
    yaml
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final Format format;

  /** Whether {@code -o json} was asked for. */
  boolean json() {
    return format == Format.json;
  }

  private final PrintStream out;

  Output(Format format) {
    this(format, System.out);
  }

  Output(Format format, PrintStream out) {
    this.format = format;
    this.out = out;
  }

  /** Table columns: a header and how to read its cell from a resource. */
  static <T> Map<String, Function<T, String>> columns() {
    return new LinkedHashMap<>();
  }

  /** Prints resources: a table with {@code columns}, or the whole resources as JSON/YAML. */
  <T extends Message> void list(List<T> items, Map<String, Function<T, String>> columns) {
    switch (format) {
      case table -> table(items, columns);
      case json, yaml -> {
        ArrayNode array = JSON.createArrayNode();
        items.forEach(item -> array.add(tree(item)));
        print(array);
      }
    }
  }

  /** Prints one resource. */
  <T extends Message> void one(T item, Map<String, Function<T, String>> columns) {
    if (format == Format.table) {
      table(List.of(item), columns);
    } else {
      print(tree(item));
    }
  }

  /** Prints a value (a workflow's output): JSON in table mode too, since it has no columns. */
  void value(Message message) {
    if (format == Format.yaml) {
      print(tree(message));
    } else {
      out.println(Json.print(message));
    }
  }

  /** Prints one line for people (progress, confirmations); nothing in JSON/YAML mode. */
  void note(String line) {
    if (format == Format.table) {
      out.println(line);
    }
  }

  private void print(JsonNode node) {
    try {
      out.print(
          format == Format.yaml
              ? YAML.writeValueAsString(node)
              : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode tree(Message message) {
    try {
      return JSON.readTree(Json.print(message));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private <T> void table(List<T> items, Map<String, Function<T, String>> columns) {
    List<String> headers = new ArrayList<>(columns.keySet());
    List<List<String>> rows = new ArrayList<>();
    for (T item : items) {
      List<String> row = new ArrayList<>();
      columns.values().forEach(cell -> row.add(cell.apply(item)));
      rows.add(row);
    }
    int[] widths = new int[headers.size()];
    for (int i = 0; i < headers.size(); i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    out.println(line(headers, widths));
    rows.forEach(row -> out.println(line(row, widths)));
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("   ");
      }
      line.append(
          i == cells.size() - 1
              ? cells.get(i)
              : String.format("%-" + widths[i] + "s", cells.get(i)));
    }
    return line.toString().stripTrailing();
  }

  /** A timestamp for a table cell, or "-" when unset. */
  static String time(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0
        ? "-"
        : Instant.ofEpochSecond(t.getSeconds()).toString();
  }

  /** An enum value without its type prefix, e.g. {@code SUCCEEDED}. */
  static String shortName(Enum<?> value, String prefix) {
    String name = value.name();
    return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
  }
}
