package io.nexusmesh.gateway.agent;

import static java.util.Objects.requireNonNull;

import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.ToolSpec;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.gateway.mcp.ToolCatalog;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Starts agent turns: a text message to a session with an agent becomes a {@code turn_request} on
 * the semantic bus. The turn's tools are the MCP tools the message's sender may run ({@code
 * tools/list} for them: deployed workflows, the organisation's panel tools), narrowed to the
 * agent's list when it has one; its credential is a {@link TurnCredentials turn credential} of the
 * sender. The organisation's token budget is checked first.
 */
public final class AgentTurns {
  private final @Nullable AgentBus bus;
  private final TurnCredentials credentials;
  private final TokenBudget budget;
  private final ToolCatalog tools;
  private final java.util.function.Supplier<String> gatewayUrl;
  private final String source;

  /**
   * @param bus the semantic bus, or null when this gateway has none (turns are refused)
   * @param gatewayUrl where the LLM manager calls the turn's tools
   */
  public AgentTurns(
      @Nullable AgentBus bus,
      TurnCredentials credentials,
      TokenBudget budget,
      ToolCatalog tools,
      java.util.function.Supplier<String> gatewayUrl,
      String gatewayId) {
    this.bus = bus;
    this.credentials = requireNonNull(credentials, "credentials");
    this.budget = requireNonNull(budget, "budget");
    this.tools = requireNonNull(tools, "tools");
    this.gatewayUrl = requireNonNull(gatewayUrl, "gatewayUrl");
    this.source = "gateway/" + gatewayId;
  }

  /** The semantic bus, or FAILED_PRECONDITION when this gateway has none. */
  public AgentBus bus() {
    if (bus == null) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
          "this gateway has no semantic bus for agents (set NEXUS_KAFKA_BOOTSTRAP)");
    }
    return bus;
  }

  /** Starts a turn of {@code agent} on {@code text} in {@code sessionId}; returns the turn id. */
  public String start(Principal caller, String sessionId, String text, Agent agent) {
    AgentBus bus = bus();
    budget.check(caller.org());
    String turnId = UUID.randomUUID().toString();
    TurnRequest request =
        TurnRequest.newBuilder()
            .setText(text)
            .setAgent(agent)
            .addAllTools(offered(caller, agent))
            .setCredential(credentials.mint(caller))
            .setGatewayUrl(gatewayUrl.get())
            .setToolSessionId(sessionId)
            .build();
    boolean taken;
    try {
      taken = bus.requestTurn(sessionId, caller.org(), turnId, source, request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      taken = false;
    }
    if (!taken) {
      throw NexusException.of(
              ErrorReason.ERROR_REASON_UNAVAILABLE, "the semantic bus did not take the turn")
          .withRetryDelay(java.time.Duration.ofSeconds(1));
    }
    return turnId;
  }

  /** The tools the caller may run, narrowed to the agent's list when it has one. */
  private java.util.List<ToolSpec> offered(Principal caller, Agent agent) {
    Set<String> allowed = new HashSet<>(agent.getToolsList());
    return tools.list(caller).stream()
        .filter(tool -> allowed.isEmpty() || allowed.contains(tool.name()))
        .map(AgentTurns::spec)
        .toList();
  }

  /** A mesh tool as the model is told about it. */
  static ToolSpec spec(ToolCatalog.MeshTool tool) {
    return ToolSpec.newBuilder()
        .setName(tool.name())
        .setDescription(truncate(tool.description(), 4096))
        .setInputSchema(tool.inputSchema())
        .build();
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }
}
