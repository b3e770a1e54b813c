package io.nexusmesh.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of {@code k8s/observability}: the alert and recording rules, and each dashboard's
 * queries. Each dashboard is checked against the components whose metrics it shows: the mesh's by
 * {@link ObservabilityTest}, the LLM manager's by {@link AgentMeshTest}.
 */
final class DashboardQueries {
  static final Path FOLDER = Path.of("").toAbsolutePath().getParent().resolve("k8s/observability");

  /** The mesh's dashboard (gateways, control plane, sidecars). */
  static final String MESH = "dashboard-nexus-mesh.json";

  /** The LLM manager's dashboard (its calls, tokens, Kafka Streams). */
  static final String LLM_MANAGER = "dashboard-llm-manager.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private DashboardQueries() {}

  /** Every dashboard file in the folder: each must be one a test checks. */
  static List<String> dashboards() throws IOException {
    try (var files = Files.list(FOLDER)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .sorted()
          .toList();
    }
  }

  /** The queries of one dashboard's panels. */
  static List<String> ofDashboard(String file) throws IOException {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : JSON.readTree(FOLDER.resolve(file).toFile()).path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    return queries;
  }

  /** Every {@code expr} of the alert and recording rules. */
  static List<String> ofRules() throws IOException {
    List<String> queries = new ArrayList<>();
    Matcher expr =
        Pattern.compile("(?m)^\\s*expr: (.+)$")
            .matcher(Files.readString(FOLDER.resolve("prometheus-rules.yaml")));
    while (expr.find()) {
      queries.add(expr.group(1));
    }
    return queries;
  }

  /** The names the rules record (usable by later rules and alerts). */
  static Set<String> recordedNames() throws IOException {
    Set<String> names = new HashSet<>();
    Matcher record =
        Pattern.compile("(?m)^\\s*- record: (\\S+)$")
            .matcher(Files.readString(FOLDER.resolve("prometheus-rules.yaml")));
    while (record.find()) {
      names.add(record.group(1));
    }
    return names;
  }

  /** The metric names {@code queries} use that are neither {@code served} nor recorded. */
  static List<String> unknownNames(List<String> queries, Set<String> served) throws IOException {
    Set<String> recorded = recordedNames();
    List<String> unknown = new ArrayList<>();
    for (String query : queries) {
      Set<String> names = PromQlNames.of(query);
      if (names.isEmpty()) {
        unknown.add("(no metric) in " + query);
      }
      for (String name : names) {
        if (!served.contains(name) && !recorded.contains(name)) {
          unknown.add(name + " in " + query);
        }
      }
    }
    return unknown;
  }
}
