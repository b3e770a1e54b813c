package io.nexusmesh.llm.work;

import io.nexusmesh.api.semantic.v1.SemanticEvent;
import java.util.concurrent.CompletableFuture;

/** Carries out one kind of command (a model call, a tool invocation) and answers it. */
public interface CommandHandler {
  /** Whether {@code command} is this handler's kind. */
  boolean accepts(SemanticEvent command);

  /**
   * Carries {@code command} out without blocking the caller and completes with its reply (a command
   * for the topology). Failures of the work itself are replies too (with their error): a failed
   * future is a bug, logged, and the command is dropped.
   */
  CompletableFuture<SemanticEvent> handle(SemanticEvent command);
}
