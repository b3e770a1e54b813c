package io.nexusmesh.gateway.engine;

import com.google.protobuf.Value;
import io.nexusmesh.api.workflow.v1.Edge;
import io.nexusmesh.api.workflow.v1.Node;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The order in which a run visits the top-level graph: deterministic (spec order decides between
 * ready nodes), so a resumed run takes the same path; a branch's output names the one successor it
 * takes, the others are skipped.
 */
final class TopLevelGraph {
  private TopLevelGraph() {}

  /** Runs one node of the graph, returning its output. */
  @FunctionalInterface
  interface Step {
    Value run(Node node) throws InterruptedException;
  }

  /**
   * Walks {@code spec}'s graph from its entry, running through {@code step} each node whose
   * predecessors on the taken path are done, one at a time in spec order; returns the last
   * non-branch node's output.
   */
  static Value walk(WorkflowSpec spec, Step step) throws InterruptedException {
    List<Node> nodes = spec.getNodesList();
    Map<String, List<String>> preds = new HashMap<>();
    nodes.forEach(n -> preds.put(n.getId(), new ArrayList<>()));
    for (Edge edge : spec.getEdgesList()) {
      preds.get(edge.getTo()).add(edge.getFrom());
    }
    for (Node n : nodes) {
      if (n.hasBranch()) {
        for (String target : targets(n)) {
          if (!preds.get(target).contains(n.getId())) {
            preds.get(target).add(n.getId());
          }
        }
      }
    }
    String entry = spec.getEntry();
    if (entry.isEmpty()) {
      entry =
          nodes.stream()
              .filter(n -> preds.get(n.getId()).isEmpty())
              .map(Node::getId)
              .findFirst()
              .orElse(nodes.get(0).getId());
    }
    Map<String, Boolean> ran = new HashMap<>(); // id -> true (done) / false (skipped)
    Map<String, String> chosen = new HashMap<>();
    Value last = Value.getDefaultInstance();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Node node : nodes) {
        String id = node.getId();
        if (ran.containsKey(id)) {
          continue;
        }
        Boolean runIt = id.equals(entry) ? Boolean.TRUE : decide(preds.get(id), id, ran, chosen);
        if (runIt == null) {
          continue;
        }
        progress = true;
        if (!runIt) {
          ran.put(id, false);
          continue;
        }
        Value output = step.run(node);
        ran.put(id, true);
        if (node.hasBranch()) {
          chosen.put(id, output.getStringValue());
        } else {
          last = output;
        }
        break; // rescan from the top: spec order decides, deterministically
      }
    }
    return last;
  }

  /** True to run, false to skip, null while some predecessor is undecided. */
  private static @Nullable Boolean decide(
      List<String> preds, String id, Map<String, Boolean> ran, Map<String, String> chosen) {
    if (preds.isEmpty()) {
      return false; // a root other than the entry is not on any taken path
    }
    boolean taken = false;
    for (String p : preds) {
      Boolean state = ran.get(p);
      if (state == null) {
        return null;
      }
      if (state && (!chosen.containsKey(p) || chosen.get(p).equals(id))) {
        taken = true;
      }
    }
    return taken;
  }

  private static List<String> targets(Node branch) {
    List<String> targets = new ArrayList<>();
    branch.getBranch().getCasesList().forEach(c -> targets.add(c.getTarget()));
    if (!branch.getBranch().getDefaultTarget().isEmpty()) {
      targets.add(branch.getBranch().getDefaultTarget());
    }
    return targets;
  }
}
