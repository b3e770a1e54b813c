package io.nexusmesh.llm.model;

import io.nexusmesh.api.semantic.v1.ModelCall;
import io.nexusmesh.api.semantic.v1.ModelReply;

/** Calls a model. Blocking: callers run it on a virtual thread. */
public interface ModelClient extends AutoCloseable {
  /**
   * The model's answer to {@code call}; a model that cannot be reached or refuses (after retries)
   * is an answer with its {@code error} set, never an exception.
   */
  ModelReply call(ModelCall call);

  @Override
  default void close() {}
}
