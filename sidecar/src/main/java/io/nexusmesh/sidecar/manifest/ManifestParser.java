package io.nexusmesh.sidecar.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.nexusmesh.api.sidecar.v1.ManifestState;
import io.nexusmesh.api.sidecar.v1.Tool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the body of {@code GET /manifest} into a {@link PanelManifest}, holding it to the panel
 * contract: a JSON object with a {@code tools} array of at most {@value ManifestLimits#MAX_TOOLS}
 * tools, each with a unique valid name, a description of at most {@value
 * ManifestLimits#MAX_DESC_CHARS} characters and, optionally, an {@code inputSchema} that is a JSON
 * Schema (draft 2020-12, checked against its meta-schema). The first problem found is the
 * manifest's INVALID message; nothing here throws for a panel's mistake.
 */
public final class ManifestParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Schema META_SCHEMA =
      REGISTRY.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));

  private ManifestParser() {}

  /** The manifest {@code body} describes (READY), or why it breaks the contract (INVALID). */
  public static PanelManifest parse(byte[] body) {
    if (body.length > ManifestLimits.MAX_MANIFEST_BYTES) {
      return PanelManifest.invalid(
          "the manifest is "
              + body.length
              + " bytes; the limit is "
              + ManifestLimits.MAX_MANIFEST_BYTES);
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (java.io.IOException e) {
      return PanelManifest.invalid("the manifest is not JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject() || !root.path("tools").isArray()) {
      return PanelManifest.invalid("the manifest must be an object with a \"tools\" array");
    }
    JsonNode tools = root.get("tools");
    if (tools.size() > ManifestLimits.MAX_TOOLS) {
      return PanelManifest.invalid(
          "the manifest declares "
              + tools.size()
              + " tools; the limit is "
              + ManifestLimits.MAX_TOOLS);
    }
    List<Tool> parsed = new ArrayList<>();
    Map<String, Schema> schemas = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String where = "tools[" + i + "]";
      if (!tool.isObject() || !tool.path("name").isTextual()) {
        return PanelManifest.invalid(where + ": a tool is an object with a \"name\" string");
      }
      String name = tool.get("name").asText();
      if (!ManifestLimits.TOOL_NAME.matcher(name).matches()) {
        return PanelManifest.invalid(
            where
                + ".name: '"
                + abbreviate(name)
                + "' is not a tool name (a letter, then up to 63 letters, digits, '_' or '-')");
      }
      if (!names.add(name)) {
        return PanelManifest.invalid(where + ".name: tool " + name + " is declared twice");
      }
      String desc = tool.path("desc").asText("");
      if (desc.length() > ManifestLimits.MAX_DESC_CHARS) {
        return PanelManifest.invalid(
            where + ".desc: longer than " + ManifestLimits.MAX_DESC_CHARS + " characters");
      }
      Tool.Builder built = Tool.newBuilder().setName(name).setDesc(desc);
      JsonNode schema = tool.get("inputSchema");
      if (schema != null && !schema.isNull()) {
        String problem = schemaProblem(schema);
        if (problem != null) {
          return PanelManifest.invalid(where + ".inputSchema: " + problem);
        }
        try {
          Struct.Builder struct = Struct.newBuilder();
          JsonFormat.parser().merge(JSON.writeValueAsString(schema), struct);
          built.setInputSchema(struct);
          schemas.put(name, REGISTRY.getSchema(schema));
        } catch (InvalidProtocolBufferException | JsonProcessingException | RuntimeException e) {
          return PanelManifest.invalid(
              where + ".inputSchema: not usable: " + firstLine(e.getMessage()));
        }
      }
      parsed.add(built.build());
    }
    return new PanelManifest(ManifestState.MANIFEST_STATE_READY, parsed, schemas, "");
  }

  /** Why {@code schema} is not a JSON Schema, or null when it is one. */
  private static String schemaProblem(JsonNode schema) {
    if (!schema.isObject()) {
      return "a JSON Schema here is an object";
    }
    List<Error> errors = META_SCHEMA.validate(schema);
    if (errors.isEmpty()) {
      return null;
    }
    Error first = errors.get(0);
    return "not a JSON Schema (draft 2020-12): "
        + first.getInstanceLocation()
        + " "
        + first.getMessage();
  }

  private static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
