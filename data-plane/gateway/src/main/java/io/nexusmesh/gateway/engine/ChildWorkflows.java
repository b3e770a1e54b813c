package io.nexusmesh.gateway.engine;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/** Runs sub-workflows for the engine: a child execution of another workflow of the same org. */
@FunctionalInterface
public interface ChildWorkflows {
  /**
   * Runs (or resumes) the child execution {@code childId} of {@code workflowId} to its end and
   * returns its output. The child stops when {@code parent} is cancelled.
   *
   * @throws NodeFailure when the workflow is not deployed or the child did not succeed
   */
  Value run(String childId, String org, String workflowId, Struct input, Journal parent);
}
