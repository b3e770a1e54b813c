package io.nexusmesh.gateway.engine;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What CEL sees at one point of the graph, and the step-path prefix of the nodes there. Only the
 * top level may park: a wait inside a parallel or map branch keeps its thread, so that branches
 * running beside it are not cut short.
 */
final class Scope {
  final Map<String, Object> input;
  final String prefix;
  final Map<String, Object> nodes;
  final @Nullable Object item;
  final @Nullable Long index;
  final boolean parkable;

  Scope(
      Map<String, Object> input,
      String prefix,
      Map<String, Object> nodes,
      @Nullable Object item,
      @Nullable Long index,
      boolean parkable) {
    this.input = input;
    this.prefix = prefix;
    this.nodes = nodes;
    this.item = item;
    this.index = index;
    this.parkable = parkable;
  }

  Scope child(String prefix, @Nullable Object item, @Nullable Long index) {
    return new Scope(input, prefix, new LinkedHashMap<>(nodes), item, index, false);
  }

  Map<String, Object> vars() {
    Map<String, Object> vars = new HashMap<>(4);
    vars.put("input", input);
    vars.put("nodes", nodes);
    if (item != null) {
      vars.put("item", item);
    }
    if (index != null) {
      vars.put("index", index);
    }
    return vars;
  }
}
