package io.nexusmesh.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks execution inputs against their workflow's input JSON Schema (draft 2020-12), before
 * anything runs. Each problem becomes a field violation whose path starts at {@code input}, e.g.
 * {@code input.name}. Compiled schemas are cached per deployed workflow version.
 */
public final class InputSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistry registry =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

  /** Throws INVALID_ARGUMENT with field violations when {@code input} does not match. */
  public void check(DeployedWorkflow workflow, Struct input) {
    if (!workflow.getSpec().hasInputSchema()) {
      return;
    }
    List<FieldViolation> violations =
        violations(
            workflow.getOrg() + "/" + workflow.getWorkflowId() + "@" + workflow.getVersion(),
            workflow.getSpec().getInputSchema(),
            toJson(input),
            "input");
    if (!violations.isEmpty()) {
      throw NexusException.invalidArgument(violations);
    }
  }

  /**
   * How {@code value} breaks {@code schema} (compiled once per {@code cacheKey}), each violation
   * named from {@code root}: {@code root.items[2].name}.
   */
  public List<FieldViolation> violations(
      String cacheKey, Struct schema, JsonNode value, String root) {
    Schema compiledSchema =
        compiled.computeIfAbsent(cacheKey, k -> registry.getSchema(toJson(schema)));
    List<FieldViolation> violations = new ArrayList<>();
    for (Error error : compiledSchema.validate(value)) {
      String field = fieldOf(root, error.getInstanceLocation());
      if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
        field += "." + error.getProperty();
      }
      violations.add(new FieldViolation(field, error.getMessage()));
    }
    return violations;
  }

  /** {@code input.items[2].name} for the instance location {@code /items/2/name}. */
  private static String fieldOf(String root, NodePath location) {
    StringBuilder field = new StringBuilder(root);
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Number index) {
        field.append('[').append(index).append(']');
      } else {
        field.append('.').append(element);
      }
    }
    return field.toString();
  }

  private static JsonNode toJson(Struct struct) {
    // As JsonFormat prints a Struct: every number a double.
    var tree = StructJson.tree(struct, false);
    if (tree.isPresent()) {
      return tree.get();
    }
    try {
      return JSON.readTree(JsonFormat.printer().print(struct));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not JSON", e);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
