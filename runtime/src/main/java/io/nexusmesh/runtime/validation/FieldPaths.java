package io.nexusmesh.runtime.validation;

import build.buf.validate.FieldPath;
import build.buf.validate.FieldPathElement;

/**
 * Renders a protovalidate {@link FieldPath} the way {@code google.rpc.BadRequest} expects: field
 * names joined by dots, with list indexes and map keys in brackets, e.g. {@code spec.nodes[2].id}
 * or {@code workflow.labels["team"]}. Written here because protovalidate-java keeps its own
 * formatter package-private.
 */
final class FieldPaths {
  private FieldPaths() {}

  static String format(FieldPath path) {
    var out = new StringBuilder();
    for (FieldPathElement element : path.getElementsList()) {
      if (!out.isEmpty()) {
        out.append('.');
      }
      out.append(element.getFieldName());
      switch (element.getSubscriptCase()) {
        case INDEX -> out.append('[').append(element.getIndex()).append(']');
        case BOOL_KEY -> out.append('[').append(element.getBoolKey()).append(']');
        case INT_KEY -> out.append('[').append(element.getIntKey()).append(']');
        case UINT_KEY ->
            out.append('[').append(Long.toUnsignedString(element.getUintKey())).append(']');
        case STRING_KEY -> out.append("[\"").append(element.getStringKey()).append("\"]");
        case SUBSCRIPT_NOT_SET -> {}
      }
    }
    return out.toString();
  }
}
