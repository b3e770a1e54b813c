package io.nexusmesh.runtime.workflow;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;

/**
 * The one CEL environment of workflow specs, shared by the control plane (which checks that every
 * expression compiles before a version is stored) and the gateway (which evaluates them), so the
 * two can never disagree on what an expression may say. Expressions see {@code input}, {@code
 * nodes} (node id to output) and, inside a map node, {@code item} and {@code index}; the standard
 * macros ({@code has}, {@code all}, {@code exists}, {@code map}, {@code filter}) are on.
 */
public final class WorkflowCel {
  private WorkflowCel() {}

  /** A new compiler and runtime for workflow expressions. */
  public static Cel create() {
    return CelFactory.standardCelBuilder()
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addVar("input", SimpleType.DYN)
        .addVar("nodes", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("item", SimpleType.DYN)
        .addVar("index", SimpleType.INT)
        .build();
  }
}
