package io.nexusmesh.runtime.validation;

import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import build.buf.protovalidate.exceptions.ValidationException;
import com.google.protobuf.Message;
import io.nexusmesh.runtime.error.FieldViolation;
import io.nexusmesh.runtime.error.NexusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a message against the protovalidate constraints declared in its {@code .proto} file and
 * turns every broken constraint into a {@link FieldViolation}. Thread-safe; rules are compiled once
 * per message type and cached by protovalidate.
 */
public final class RequestValidator {
  private final Validator validator = ValidatorFactory.newBuilder().build();

  /** The violations of {@code message}; empty when it is valid. */
  public List<FieldViolation> violations(Message message) {
    ValidationResult result;
    try {
      result = validator.validate(message);
    } catch (ValidationException e) {
      // The constraints themselves are broken: a bug in our contracts, not the caller's fault.
      throw new IllegalStateException(
          "invalid constraints on " + message.getDescriptorForType(), e);
    }
    if (result.isSuccess()) {
      return List.of();
    }
    var violations = new ArrayList<FieldViolation>();
    for (var violation : result.getViolations()) {
      var proto = violation.toProto();
      String field = FieldPaths.format(proto.getField());
      String description = proto.getMessage().isEmpty() ? proto.getRuleId() : proto.getMessage();
      violations.add(new FieldViolation(field.isEmpty() ? "(message)" : field, description));
    }
    return List.copyOf(violations);
  }

  /** An INVALID_ARGUMENT error for {@code message}, if it breaks any constraint. */
  public Optional<NexusException> check(Message message) {
    List<FieldViolation> violations = violations(message);
    return violations.isEmpty()
        ? Optional.empty()
        : Optional.of(NexusException.invalidArgument(violations));
  }
}
