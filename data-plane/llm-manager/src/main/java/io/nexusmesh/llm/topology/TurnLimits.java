package io.nexusmesh.llm.topology;

/**
 * What one session's agent may spend.
 *
 * @param maxIterations model calls per turn; the turn fails (RATE_LIMITED) when its model still
 *     asks for tools after that many
 * @param maxToolCalls tool calls per turn; calls beyond it are not made, the model is told so
 * @param maxQueuedTurns turn requests that may wait while one runs; more fail at once
 * @param historyMessages messages of finished turns kept as context
 * @param historyTokens estimated tokens of finished turns kept as context (see {@link
 *     ContextBudget})
 * @param turnTimeout how long a turn may wait for its model and tools before it fails
 *     (DEADLINE_EXCEEDED): a reply lost for good (a caller that died after the call and before
 *     answering, say) never holds its session up longer
 */
public record TurnLimits(
    int maxIterations,
    int maxToolCalls,
    int maxQueuedTurns,
    int historyMessages,
    int historyTokens,
    java.time.Duration turnTimeout) {
  /**
   * Defaults: 8 model calls and 16 tool calls per turn, 16 waiting turns, 64 messages or 8,000
   * tokens of history.
   */
  public static final TurnLimits DEFAULT = new TurnLimits(8, 16, 16, 64, 8_000);

  /** With the default turn timeout, 10 minutes. */
  public TurnLimits(
      int maxIterations,
      int maxToolCalls,
      int maxQueuedTurns,
      int historyMessages,
      int historyTokens) {
    this(
        maxIterations,
        maxToolCalls,
        maxQueuedTurns,
        historyMessages,
        historyTokens,
        java.time.Duration.ofMinutes(10));
  }

  public TurnLimits {
    if (maxIterations < 1 || maxToolCalls < 0 || maxQueuedTurns < 0) {
      throw new IllegalArgumentException("turn limits must be positive");
    }
    if (turnTimeout.isNegative() || turnTimeout.isZero()) {
      throw new IllegalArgumentException("the turn timeout must be positive");
    }
    if (historyMessages < 0 || historyTokens < 0) {
      throw new IllegalArgumentException("history limits must not be negative");
    }
  }
}
