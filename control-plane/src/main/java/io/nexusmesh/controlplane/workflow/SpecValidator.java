package io.nexusmesh.controlplane.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.compiler.CelCompiler;
import io.nexusmesh.api.workflow.v1.Edge;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.RetryPolicy;
import io.nexusmesh.api.workflow.v1.Steps;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.workflow.Placeholders;
import io.nexusmesh.runtime.workflow.WorkflowCel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Checks what protovalidate cannot about a {@link WorkflowSpec} before it is stored: node ids are
 * unique (nested ones included), every reference names a node, the graph of top-level nodes is
 * acyclic with one entry, every CEL expression compiles, both schemas are valid JSON Schema (draft
 * 2020-12), retry bounds are ordered, and size limits hold. Every problem is reported as a field
 * violation with its path under {@code spec}.
 */
public final class SpecValidator {

  /** Nodes in a spec, nested ones included. */
  public static final int MAX_NODES = 500;

  /** Serialized size of a spec. */
  public static final int MAX_SPEC_BYTES = 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final CelCompiler cel = WorkflowCel.create();
  private final Schema metaSchema =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

  /** Every problem of {@code spec}, with paths starting at {@code prefix} (e.g. {@code spec}). */
  public List<FieldViolation> violations(String prefix, WorkflowSpec spec) {
    var problems = new ArrayList<FieldViolation>();
    if (spec.getSerializedSize() > MAX_SPEC_BYTES) {
      problems.add(new FieldViolation(prefix, "larger than " + MAX_SPEC_BYTES + " bytes"));
      return problems;
    }
    Set<String> allIds = new HashSet<>();
    int[] count = {0};
    checkNodes(prefix + ".nodes", spec.getNodesList(), allIds, count, problems);
    if (count[0] > MAX_NODES) {
      problems.add(
          new FieldViolation(prefix + ".nodes", count[0] + " nodes (at most " + MAX_NODES + ")"));
    }
    Set<String> topLevel = new HashSet<>();
    spec.getNodesList().forEach(n -> topLevel.add(n.getId()));
    checkGraph(prefix, spec, topLevel, problems);
    checkBranchTargets(prefix + ".nodes", spec.getNodesList(), topLevel, problems);
    checkNodes(prefix + ".compensations", spec.getCompensationsList(), allIds, count, problems);
    checkCompensations(prefix, spec, problems);
    checkCel(prefix + ".output", spec.getOutput(), problems);
    checkSchema(prefix + ".input_schema", spec.hasInputSchema(), spec.getInputSchema(), problems);
    checkSchema(
        prefix + ".output_schema", spec.hasOutputSchema(), spec.getOutputSchema(), problems);
    checkRetry(prefix + ".default_retry", spec.getDefaultRetry(), problems);
    return problems;
  }

  private void checkNodes(
      String path,
      List<Node> nodes,
      Set<String> allIds,
      int[] count,
      List<FieldViolation> problems) {
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      String at = path + "[" + i + "]";
      count[0]++;
      if (!allIds.add(node.getId())) {
        problems.add(new FieldViolation(at + ".id", "duplicate node id '" + node.getId() + "'"));
      }
      checkRetry(at + ".retry", node.getRetry(), problems);
      switch (node.getKindCase()) {
        case TRANSFORM ->
            checkCel(at + ".transform.expression", node.getTransform().getExpression(), problems);
        case HTTP -> {
          HttpNodeUrls.check(at + ".http.url", node.getHttp().getUrl(), problems);
          checkPlaceholders(at + ".http.url", node.getHttp().getUrl(), problems);
          node.getHttp()
              .getHeadersMap()
              .forEach(
                  (name, value) ->
                      checkPlaceholders(at + ".http.headers[\"" + name + "\"]", value, problems));
          checkCel(at + ".http.body", node.getHttp().getBody(), problems);
        }
        case BRANCH -> {
          for (int c = 0; c < node.getBranch().getCasesCount(); c++) {
            checkCel(
                at + ".branch.cases[" + c + "].condition",
                node.getBranch().getCases(c).getCondition(),
                problems);
          }
        }
        case PARALLEL -> {
          Set<String> names = new HashSet<>();
          for (int b = 0; b < node.getParallel().getBranchesCount(); b++) {
            Steps branch = node.getParallel().getBranches(b);
            String branchAt = at + ".parallel.branches[" + b + "]";
            if (!names.add(branch.getName())) {
              problems.add(
                  new FieldViolation(
                      branchAt + ".name", "duplicate branch name '" + branch.getName() + "'"));
            }
            checkNodes(branchAt + ".nodes", branch.getNodesList(), allIds, count, problems);
          }
        }
        case MAP -> {
          checkCel(at + ".map.items", node.getMap().getItems(), problems);
          checkNodes(
              at + ".map.body.nodes",
              node.getMap().getBody().getNodesList(),
              allIds,
              count,
              problems);
        }
        case SUB_WORKFLOW ->
            checkCel(at + ".sub_workflow.input", node.getSubWorkflow().getInput(), problems);
        case TOOL -> checkCel(at + ".tool.arguments", node.getTool().getArguments(), problems);
        case LLM -> {
          checkCel(at + ".llm.prompt", node.getLlm().getPrompt(), problems);
          checkSchema(
              at + ".llm.output_schema",
              node.getLlm().hasOutputSchema(),
              node.getLlm().getOutputSchema(),
              problems);
        }
        case WAIT, KIND_NOT_SET -> {}
      }
    }
  }

  private static void checkGraph(
      String prefix, WorkflowSpec spec, Set<String> topLevel, List<FieldViolation> problems) {
    Map<String, List<String>> successors = new LinkedHashMap<>();
    Map<String, Integer> incoming = new HashMap<>();
    topLevel.forEach(id -> incoming.put(id, 0));
    boolean edgesValid = true;
    for (int i = 0; i < spec.getEdgesCount(); i++) {
      Edge edge = spec.getEdges(i);
      String at = prefix + ".edges[" + i + "]";
      for (var end : List.of(Map.entry("from", edge.getFrom()), Map.entry("to", edge.getTo()))) {
        if (!topLevel.contains(end.getValue())) {
          problems.add(
              new FieldViolation(
                  at + "." + end.getKey(), "no top-level node '" + end.getValue() + "'"));
          edgesValid = false;
        }
      }
      successors.computeIfAbsent(edge.getFrom(), k -> new ArrayList<>()).add(edge.getTo());
      incoming.merge(edge.getTo(), 1, Integer::sum);
    }
    if (!spec.getEntry().isEmpty() && !topLevel.contains(spec.getEntry())) {
      problems.add(
          new FieldViolation(prefix + ".entry", "no top-level node '" + spec.getEntry() + "'"));
    }
    if (!edgesValid) {
      return;
    }
    List<String> roots =
        incoming.entrySet().stream()
            .filter(e -> e.getValue() == 0)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    if (spec.getEntry().isEmpty() && roots.size() != 1 && !topLevel.isEmpty()) {
      problems.add(
          new FieldViolation(
              prefix + ".entry",
              "set an entry: "
                  + (roots.isEmpty()
                      ? "every node has a predecessor"
                      : "nodes " + roots + " have no predecessor")));
    }
    // Kahn's algorithm: whatever is left with predecessors lies on a cycle.
    Map<String, Integer> remaining = new HashMap<>(incoming);
    var ready = new ArrayDeque<>(roots);
    while (!ready.isEmpty()) {
      String id = ready.poll();
      for (String next : successors.getOrDefault(id, List.of())) {
        if (remaining.merge(next, -1, Integer::sum) == 0) {
          ready.add(next);
        }
      }
      remaining.remove(id);
    }
    if (!remaining.isEmpty()) {
      problems.add(
          new FieldViolation(
              prefix + ".edges",
              "the graph has a cycle through " + remaining.keySet().stream().sorted().toList()));
    }
  }

  /**
   * A saga's compensations: each {@code compensate_with} names one of the spec's compensations and
   * sits on a top-level node; a compensation is a transform, http, tool or llm node and compensates
   * nothing itself.
   */
  private static void checkCompensations(
      String prefix, WorkflowSpec spec, List<FieldViolation> problems) {
    Set<String> compensations = new HashSet<>();
    for (int i = 0; i < spec.getCompensationsCount(); i++) {
      Node compensation = spec.getCompensations(i);
      String at = prefix + ".compensations[" + i + "]";
      compensations.add(compensation.getId());
      switch (compensation.getKindCase()) {
        case TRANSFORM, HTTP, TOOL, LLM -> {}
        default ->
            problems.add(
                new FieldViolation(
                    at,
                    "a compensation is a transform, http, tool or llm node, not "
                        + compensation.getKindCase().name().toLowerCase(java.util.Locale.ROOT)));
      }
      if (!compensation.getCompensateWith().isEmpty()) {
        problems.add(
            new FieldViolation(at + ".compensate_with", "a compensation is not compensated"));
      }
    }
    for (int i = 0; i < spec.getNodesCount(); i++) {
      String name = spec.getNodes(i).getCompensateWith();
      if (!name.isEmpty() && !compensations.contains(name)) {
        problems.add(
            new FieldViolation(
                prefix + ".nodes[" + i + "].compensate_with", "no compensation '" + name + "'"));
      }
    }
    nestedCompensations(prefix + ".nodes", spec.getNodesList(), true, problems);
  }

  private static void nestedCompensations(
      String path, List<Node> nodes, boolean topLevel, List<FieldViolation> problems) {
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      String at = path + "[" + i + "]";
      if (!topLevel && !node.getCompensateWith().isEmpty()) {
        problems.add(
            new FieldViolation(
                at + ".compensate_with", "only top-level nodes name a compensation"));
      }
      if (node.hasParallel()) {
        for (int b = 0; b < node.getParallel().getBranchesCount(); b++) {
          nestedCompensations(
              at + ".parallel.branches[" + b + "].nodes",
              node.getParallel().getBranches(b).getNodesList(),
              false,
              problems);
        }
      }
      if (node.hasMap()) {
        nestedCompensations(
            at + ".map.body.nodes", node.getMap().getBody().getNodesList(), false, problems);
      }
    }
  }

  private static void checkBranchTargets(
      String path, List<Node> nodes, Set<String> topLevel, List<FieldViolation> problems) {
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.get(i).hasBranch()) {
        continue;
      }
      var branch = nodes.get(i).getBranch();
      for (int c = 0; c < branch.getCasesCount(); c++) {
        String target = branch.getCases(c).getTarget();
        if (!topLevel.contains(target)) {
          problems.add(
              new FieldViolation(
                  path + "[" + i + "].branch.cases[" + c + "].target",
                  "no top-level node '" + target + "'"));
        }
      }
      if (!branch.getDefaultTarget().isEmpty() && !topLevel.contains(branch.getDefaultTarget())) {
        problems.add(
            new FieldViolation(
                path + "[" + i + "].branch.default_target",
                "no top-level node '" + branch.getDefaultTarget() + "'"));
      }
    }
  }

  /**
   * Compiles each CEL {@code {{...}}} placeholder of a URL or header; {@code {{secrets.NAME}}} is
   * not CEL (the gateway fills it in) and is only checked for its form.
   */
  private void checkPlaceholders(String path, String template, List<FieldViolation> problems) {
    Matcher m = Placeholders.PLACEHOLDER.matcher(template);
    while (m.find()) {
      String inside = m.group(1).strip();
      if (Placeholders.refersToSecret(inside)) {
        if (Placeholders.secretName(inside).isEmpty()) {
          problems.add(
              new FieldViolation(
                  path,
                  "'" + inside + "': a secret name is a letter or _, then letters, digits or _"));
        }
        continue;
      }
      checkCel(path, inside, problems);
    }
  }

  private void checkCel(String path, String expression, List<FieldViolation> problems) {
    if (expression.isEmpty()) {
      return;
    }
    var result = cel.compile(expression);
    if (result.hasError()) {
      problems.add(new FieldViolation(path, "CEL does not compile: " + result.getErrorString()));
    }
  }

  private void checkSchema(
      String path, boolean present, Struct schema, List<FieldViolation> problems) {
    if (!present) {
      return;
    }
    try {
      JsonNode node = JSON.readTree(JsonFormat.printer().print(schema));
      var messages = metaSchema.validate(node);
      if (!messages.isEmpty()) {
        problems.add(
            new FieldViolation(
                path, "not a valid JSON Schema: " + messages.iterator().next().getMessage()));
      }
    } catch (InvalidProtocolBufferException
        | com.fasterxml.jackson.core.JsonProcessingException e) {
      problems.add(new FieldViolation(path, "not JSON"));
    }
  }

  private static void checkRetry(String path, RetryPolicy retry, List<FieldViolation> problems) {
    Duration initial = retry.getInitialBackoff();
    Duration max = retry.getMaxBackoff();
    if (retry.hasInitialBackoff() && retry.hasMaxBackoff() && Durations.compare(max, initial) < 0) {
      problems.add(
          new FieldViolation(path + ".max_backoff", "must not be shorter than initial_backoff"));
    }
  }
}
