package io.nexusmesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.client.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A workflow as its author writes it, in YAML or JSON: the workflow's fields ({@code id}, {@code
 * displayName}, {@code description}, {@code labels}) and its {@code spec} (a {@code WorkflowSpec}
 * in protobuf's JSON mapping).
 */
public record WorkflowFile(Workflow workflow, WorkflowSpec spec) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Reads a workflow file; a malformed one is an IllegalArgumentException saying why. */
  public static WorkflowFile read(Path path) {
    try {
      return parse(Files.readString(path), path.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** Parses the YAML or JSON text of a workflow file; {@code source} names it in errors. */
  public static WorkflowFile parse(String text, String source) {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid YAML: " + e.getMessage(), e);
    }
    if (!(tree instanceof ObjectNode root) || !root.has("id") || !root.has("spec")) {
      throw new IllegalArgumentException(
          source + ": expected a mapping with at least 'id' and 'spec' (see examples/hello.yaml)");
    }
    JsonNode spec = root.remove("spec");
    return new WorkflowFile(
        Json.merge(root.toString(), Workflow.newBuilder()).build(),
        Json.merge(spec.toString(), WorkflowSpec.newBuilder()).build());
  }
}
