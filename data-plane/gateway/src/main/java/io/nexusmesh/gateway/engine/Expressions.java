package io.nexusmesh.gateway.engine;

import com.google.protobuf.Value;
import dev.cel.bundle.Cel;
import dev.cel.common.CelValidationException;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.Program;
import io.grpc.Status;
import io.nexusmesh.runtime.workflow.WorkflowCel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates the CEL expressions of workflow specs in the shared {@link WorkflowCel} environment.
 * Compiled programs are cached by source text, since the same specs run over and over.
 */
public final class Expressions {
  private static final int MAX_CACHED = 10_000;

  private final Cel cel = WorkflowCel.create();
  private final Map<String, Program> programs = new ConcurrentHashMap<>();

  /** Evaluates {@code expression} over {@code variables} and returns its value as JSON. */
  public Value eval(String expression, Map<String, Object> variables) {
    return JsonValues.fromCel(evalRaw(expression, variables));
  }

  /** Evaluates a condition; a non-boolean result is a failure. */
  public boolean test(String expression, Map<String, Object> variables) {
    Object result = evalRaw(expression, variables);
    if (result instanceof Boolean b) {
      return b;
    }
    throw new NodeFailure(
        Status.Code.INVALID_ARGUMENT,
        "condition '" + expression + "' is not a bool but " + result.getClass().getSimpleName());
  }

  /** Evaluates {@code expression} to the raw CEL value. */
  Object evalRaw(String expression, Map<String, Object> variables) {
    try {
      return program(expression).eval(variables);
    } catch (CelEvaluationException e) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT, "CEL '" + expression + "' failed: " + e.getMessage());
    }
  }

  private Program program(String expression) {
    Program cached = programs.get(expression);
    if (cached != null) {
      return cached;
    }
    try {
      Program program = cel.createProgram(cel.compile(expression).getAst());
      if (programs.size() < MAX_CACHED) {
        programs.put(expression, program);
      }
      return program;
    } catch (CelValidationException | CelEvaluationException e) {
      throw new NodeFailure(
          Status.Code.INVALID_ARGUMENT,
          "CEL '" + expression + "' does not compile: " + e.getMessage());
    }
  }
}
