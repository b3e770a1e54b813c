package io.nexusmesh.gateway.engine;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.nexusmesh.api.workflow.v1.BranchCase;
import io.nexusmesh.api.workflow.v1.Node;
import java.util.Map;

/** What a node's CEL expressions make of the run's variables: a prompt, arguments, a branch. */
final class NodeInputs {
  private NodeInputs() {}

  /** The llm node's prompt: its CEL expression's value, which must be a string. */
  static String prompt(Expressions expressions, Node node, Map<String, Object> vars) {
    Value value = expressions.eval(node.getLlm().getPrompt(), vars);
    if (!value.hasStringValue()) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT,
          "node "
              + node.getId()
              + ": prompt must evaluate to a string, got "
              + value.getKindCase());
    }
    return value.getStringValue();
  }

  /** The tool node's arguments: its CEL expression's value, which must be a map. */
  static Struct toolArguments(Expressions expressions, Node node, Map<String, Object> vars) {
    String expression = node.getTool().getArguments();
    if (expression.isEmpty()) {
      return Struct.getDefaultInstance();
    }
    Value value = expressions.eval(expression, vars);
    if (!value.hasStructValue()) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT,
          "node "
              + node.getId()
              + ": arguments must evaluate to a map, got "
              + value.getKindCase());
    }
    return value.getStructValue();
  }

  /** The target of the first case of a branch node whose condition holds, else its default. */
  static String branch(Expressions expressions, Node node, Map<String, Object> vars) {
    for (BranchCase c : node.getBranch().getCasesList()) {
      if (expressions.test(c.getCondition(), vars)) {
        return c.getTarget();
      }
    }
    if (!node.getBranch().getDefaultTarget().isEmpty()) {
      return node.getBranch().getDefaultTarget();
    }
    throw new NodeFailure(
        Status.Code.FAILED_PRECONDITION, "no case of branch " + node.getId() + " matched");
  }
}
