package io.nexusmesh.runtime.error;

import static java.util.Objects.requireNonNull;

/**
 * One invalid field of a request: its path in protobuf field names (for example {@code workflow.id}
 * or {@code spec.nodes[2].transform.expression}) and why it is invalid. Becomes a {@code
 * google.rpc.BadRequest.FieldViolation} on the wire.
 */
public record FieldViolation(String field, String description) {
  public FieldViolation {
    requireNonNull(field, "field");
    requireNonNull(description, "description");
  }
}
