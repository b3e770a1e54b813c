package io.nexusmesh.controlplane.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.workflow.v1.MapNode;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.ParallelNode;
import io.nexusmesh.api.workflow.v1.RetryPolicy;
import io.nexusmesh.api.workflow.v1.Steps;
import io.nexusmesh.api.workflow.v1.TransformNode;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.error.FieldViolation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link SpecValidator} finds, and that a good spec passes untouched. */
class SpecValidatorTest {
  private final SpecValidator validator = new SpecValidator();

  private static Node transform(String id, String expression) {
    return Node.newBuilder()
        .setId(id)
        .setTransform(TransformNode.newBuilder().setExpression(expression))
        .build();
  }

  private List<String> fields(WorkflowSpec spec) {
    return validator.violations("spec", spec).stream().map(FieldViolation::field).toList();
  }

  @Test
  void aGoodSpecHasNoViolations() throws Exception {
    var spec = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            """
            {"nodes": [
               {"id": "fetch", "http": {"url": "https://example.com/{{input.id}}", "body": "{'id': input.id}"}},
               {"id": "fan", "parallel": {"branches": [
                  {"name": "left", "nodes": [{"id": "l1", "transform": {"expression": "nodes.fetch"}}]},
                  {"name": "right", "nodes": [{"id": "r1", "transform": {"expression": "1 + 1"}}]}]}},
               {"id": "each", "map": {"items": "input.items", "maxConcurrency": 4,
                  "body": {"name": "body", "nodes": [{"id": "m1", "transform": {"expression": "item"}}]}}},
               {"id": "pick", "branch": {"cases": [{"condition": "input.id > 3", "target": "done"}], "defaultTarget": "done"}},
               {"id": "done", "wait": {"timer": "1s"}}],
             "edges": [{"from": "fetch", "to": "fan"}, {"from": "fan", "to": "each"},
                       {"from": "each", "to": "pick"}, {"from": "pick", "to": "done"}],
             "inputSchema": {"type": "object", "properties": {"id": {"type": "integer"}}},
             "output": "nodes.done"}
            """,
            spec);
    assertThat(validator.violations("spec", spec.build())).isEmpty();
  }

  @Test
  void anInputSchemaThatIsNoJsonSchemaIsFound() throws Exception {
    var spec = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            """
            {"nodes": [{"id": "a", "transform": {"expression": "1"}}],
             "inputSchema": {"type": "object", "required": "name", "minProperties": -1}}
            """,
            spec);
    var violations = validator.violations("spec", spec.build());
    assertThat(violations).extracting(FieldViolation::field).containsExactly("spec.input_schema");
    assertThat(violations.get(0).description()).startsWith("not a valid JSON Schema: ");
  }

  @Test
  void duplicateIdsAreFoundAcrossNesting() {
    var spec =
        WorkflowSpec.newBuilder()
            .addNodes(transform("a", "1"))
            .addNodes(
                Node.newBuilder()
                    .setId("p")
                    .setParallel(
                        ParallelNode.newBuilder()
                            .addBranches(
                                Steps.newBuilder().setName("x").addNodes(transform("a", "2")))
                            .addBranches(
                                Steps.newBuilder().setName("x").addNodes(transform("b", "3")))))
            .addEdges(io.nexusmesh.api.workflow.v1.Edge.newBuilder().setFrom("a").setTo("p"))
            .build();
    assertThat(fields(spec))
        .containsExactlyInAnyOrder(
            "spec.nodes[1].parallel.branches[0].nodes[0].id",
            "spec.nodes[1].parallel.branches[1].name");
  }

  @Test
  void nestedCelIsCompiled() {
    var spec =
        WorkflowSpec.newBuilder()
            .addNodes(
                Node.newBuilder()
                    .setId("m")
                    .setMap(
                        MapNode.newBuilder()
                            .setItems("input.list")
                            .setBody(
                                Steps.newBuilder()
                                    .setName("b")
                                    .addNodes(transform("inner", "item +")))))
            .build();
    assertThat(fields(spec))
        .containsExactly("spec.nodes[0].map.body.nodes[0].transform.expression");
  }

  @Test
  void anAmbiguousStartNeedsAnEntry() {
    var spec =
        WorkflowSpec.newBuilder()
            .addNodes(transform("a", "1"))
            .addNodes(transform("b", "2"))
            .build();
    assertThat(fields(spec)).containsExactly("spec.entry");
    assertThat(fields(spec.toBuilder().setEntry("a").build())).isEmpty();
    assertThat(fields(spec.toBuilder().setEntry("zzz").build())).containsExactly("spec.entry");
  }

  @Test
  void limitsHold() {
    var spec = WorkflowSpec.newBuilder();
    for (int i = 0; i <= SpecValidator.MAX_NODES; i++) {
      spec.addNodes(transform("n" + i, "1"));
    }
    spec.setEntry("n0");
    assertThat(fields(spec.build())).contains("spec.nodes");
    var huge =
        WorkflowSpec.newBuilder()
            .addNodes(transform("a", "'" + "x".repeat(SpecValidator.MAX_SPEC_BYTES) + "'"))
            .build();
    assertThat(fields(huge)).containsExactly("spec");
  }

  @Test
  void retryBoundsMustBeOrdered() {
    var spec =
        WorkflowSpec.newBuilder()
            .addNodes(
                transform("a", "1").toBuilder()
                    .setRetry(
                        RetryPolicy.newBuilder()
                            .setInitialBackoff(Durations.fromSeconds(10))
                            .setMaxBackoff(Durations.fromSeconds(1))))
            .build();
    assertThat(fields(spec)).containsExactly("spec.nodes[0].retry.max_backoff");
  }

  @Test
  void aSagaNamesCompensationsOfTopLevelNodesOnly() throws Exception {
    var good = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            """
            {"nodes": [
               {"id": "book", "http": {"url": "https://example.com/book"}, "compensateWith": "unbook"},
               {"id": "charge", "transform": {"expression": "1"}, "compensateWith": "refund"}],
             "edges": [{"from": "book", "to": "charge"}],
             "compensations": [
               {"id": "unbook", "http": {"url": "https://example.com/unbook", "method": "DELETE"}},
               {"id": "refund", "transform": {"expression": "nodes.charge"}}]}
            """,
            good);
    assertThat(validator.violations("spec", good.build())).isEmpty();

    var bad = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            """
            {"nodes": [
               {"id": "book", "transform": {"expression": "1"}, "compensateWith": "missing"},
               {"id": "fan", "parallel": {"branches": [{"name": "a", "nodes": [
                  {"id": "inner", "transform": {"expression": "1"}, "compensateWith": "undo"}]}]}}],
             "edges": [{"from": "book", "to": "fan"}],
             "compensations": [
               {"id": "undo", "wait": {"timer": "1s"}},
               {"id": "book", "transform": {"expression": "oops("}, "compensateWith": "undo"}]}
            """,
            bad);
    assertThat(fields(bad.build()))
        .containsExactlyInAnyOrder(
            "spec.compensations[1].id",
            "spec.compensations[1].transform.expression",
            "spec.compensations[0]",
            "spec.compensations[1].compensate_with",
            "spec.nodes[0].compensate_with",
            "spec.nodes[1].parallel.branches[0].nodes[0].compensate_with");
  }
}
