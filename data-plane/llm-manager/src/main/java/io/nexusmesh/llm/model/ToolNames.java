package io.nexusmesh.llm.model;

import io.nexusmesh.api.semantic.v1.ToolSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mesh tool names as chat-completions function names, and back. Functions are named {@code
 * ^[A-Za-z0-9_-]{1,64}$}, mesh tools may not be ({@code calendar.create_event} has a dot): every
 * other character becomes {@code _}, and a name that is then too long or taken becomes {@code
 * tool_<n>}. The mapping depends only on the call's tool list, so it is rebuilt per call.
 */
final class ToolNames {
  private final Map<String, String> toFunction = new LinkedHashMap<>();
  private final Map<String, String> toTool = new HashMap<>();

  ToolNames(List<ToolSpec> tools) {
    int n = 0;
    for (ToolSpec tool : tools) {
      String function = tool.getName().replaceAll("[^A-Za-z0-9_-]", "_");
      if (function.length() > 64 || toTool.containsKey(function)) {
        function = "tool_" + n;
      }
      n++;
      toFunction.put(tool.getName(), function);
      toTool.put(function, tool.getName());
    }
  }

  String function(String tool) {
    return toFunction.getOrDefault(tool, tool);
  }

  /** The mesh tool of {@code function}; an unknown one stays as the model named it. */
  String tool(String function) {
    return toTool.getOrDefault(function, function);
  }
}
