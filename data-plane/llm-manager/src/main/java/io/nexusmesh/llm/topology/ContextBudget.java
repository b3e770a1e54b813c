package io.nexusmesh.llm.topology;

import io.nexusmesh.api.semantic.v1.ChatMessage;
import io.nexusmesh.api.semantic.v1.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a session's history within its budget. The rule: after each turn its messages join the
 * history; then whole turns are dropped, oldest first, while the history holds more than {@code
 * historyMessages} messages or more than {@code historyTokens} estimated tokens. A turn starts at
 * its user message, so a tool result never loses the call it answers; the turn just finished is
 * dropped too when it alone is over budget (the model never sees half a turn). Tokens are estimated
 * as one per four characters of text and arguments plus four per message, the usual rule of thumb
 * for English with BPE tokenizers: it needs no tokenizer per model and errs on the generous side
 * for code. The system prompt is not history: it is sent with every call.
 */
public final class ContextBudget {
  private final int maxMessages;
  private final int maxTokens;

  public ContextBudget(TurnLimits limits) {
    this.maxMessages = limits.historyMessages();
    this.maxTokens = limits.historyTokens();
  }

  /** The estimated tokens of {@code message}. */
  public static int tokens(ChatMessage message) {
    long chars = message.getContent().length();
    for (ToolCall call : message.getToolCallsList()) {
      chars += call.getToolName().length() + call.getArguments().getSerializedSize();
    }
    return (int) Math.min(Integer.MAX_VALUE, 4 + (chars + 3) / 4);
  }

  /** {@code history} followed by {@code turn}, trimmed to the budget by whole turns. */
  public List<ChatMessage> append(List<ChatMessage> history, List<ChatMessage> turn) {
    List<ChatMessage> all = new ArrayList<>(history.size() + turn.size());
    all.addAll(history);
    all.addAll(turn);
    long tokens = 0;
    for (ChatMessage m : all) {
      tokens += tokens(m);
    }
    int start = 0;
    while (start < all.size() && (all.size() - start > maxMessages || tokens > maxTokens)) {
      int next = start + 1;
      while (next < all.size() && !all.get(next).getRole().equals("user")) {
        next++;
      }
      for (int i = start; i < next; i++) {
        tokens -= tokens(all.get(i));
      }
      start = next;
    }
    return List.copyOf(all.subList(start, all.size()));
  }
}
