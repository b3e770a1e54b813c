package io.nexusmesh.cli;

import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.client.NexusClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nexus chat}: talks to a session's agent and prints its chain as it happens. */
@Command(
    name = "chat",
    description = {
      "Send a message to a session's agent; print each step of its chain (stderr) as it happens,",
      "then its answer (stdout)."
    },
    footer = {
      "",
      "Examples:",
      "  nexus chat --new 'use hello with {\"name\": \"Ada\"}'",
      "  nexus chat 0123456789abcdef0123456789abcdef 'and again, for Grace'"
    })
final class ChatCommand extends ClientCommand {
  @Parameters(
      arity = "1..2",
      paramLabel = "[SESSION] TEXT",
      description = "The session (omit it with --new) and the message.")
  List<String> words = new ArrayList<>();

  @Option(
      names = "--new",
      description = "Open a new session with an agent first (its id goes to stderr).")
  boolean newSession;

  @Option(
      names = "--model",
      defaultValue = "",
      description = "The agent's model (--new; default: the LLM manager's).")
  String model;

  @Option(
      names = "--system",
      defaultValue = "",
      paramLabel = "PROMPT",
      description = "The agent's system prompt (--new).")
  String system;

  @Option(
      names = "--tool",
      paramLabel = "NAME",
      description = "A tool the agent may call (--new; repeatable; default: all).")
  List<String> tools = new ArrayList<>();

  @Option(
      names = "--wait",
      defaultValue = "300",
      paramLabel = "SECONDS",
      description = "How long to wait for the answer (default: ${DEFAULT-VALUE} s).")
  long waitSeconds;

  @Override
  int run(NexusClient client, Output out) throws InterruptedException {
    if (newSession != (words.size() == 1)) {
      System.err.println(
          newSession
              ? "with --new, give only the message"
              : "give the session and the message (or --new and the message)");
      return Failures.USAGE;
    }
    var sessions = client.sessions();
    // Refusals (unknown session, no semantic bus, spent token budget) reach the CLI's error
    // handler, which prints them and picks the exit code.
    String session =
        newSession
            ? sessions
                .create(
                    Agent.newBuilder()
                        .setModel(model)
                        .setSystemPrompt(system)
                        .addAllTools(tools)
                        .build())
                .getId()
            : words.get(0);
    if (newSession) {
      System.err.println("session " + session);
    }
    BlockingQueue<SemanticEvent> heard = new LinkedBlockingQueue<>();
    Iterator<SessionEvent> watch = sessions.watch(session);
    Thread listener =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    while (watch.hasNext()) {
                      SessionEvent event = watch.next();
                      if (event.hasAgentEvent()) {
                        heard.add(event.getAgentEvent());
                      }
                    }
                  } catch (RuntimeException e) {
                    // the call ended: the main thread notices by its timeout or its answer
                  }
                });
    String turn;
    try {
      turn = sessions.post(session, words.getLast()).getTurnId();
    } catch (StatusRuntimeException e) {
      listener.interrupt();
      throw e;
    }
    if (turn.isEmpty()) {
      System.err.println(
          "session " + session + " has no agent: the message was posted, nobody answers it");
      return Failures.INVALID;
    }
    var printer = new ChainPrinter(System.err, System.out);
    Set<Long> printed = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    while (System.nanoTime() < deadline) {
      SemanticEvent event = heard.poll(200, TimeUnit.MILLISECONDS);
      if (event == null || !event.getTurnId().equals(turn) || !printed.add(event.getSequence())) {
        continue;
      }
      if (printed.size() == 1 && !event.hasTurnStarted()) {
        // The watch began after the turn did: what it missed is in the log.
        for (SemanticEvent missed : sessions.replay(session, 0, 10_000).getEventsList()) {
          if (missed.getTurnId().equals(turn)
              && missed.getSequence() < event.getSequence()
              && printed.add(missed.getSequence())) {
            printer.print(missed);
          }
        }
      }
      printer.print(event);
      if (event.hasTurnResponse()) {
        return 0;
      }
      if (event.hasTurnFailed()) {
        return event.getTurnFailed().getReason().equals("ERROR_REASON_RATE_LIMITED")
            ? Failures.THROTTLED
            : Failures.FAILED;
      }
    }
    System.err.println(
        "no answer within "
            + waitSeconds
            + " s; the chain goes on: nexus sessions replay "
            + session);
    return Failures.UNREACHABLE;
  }
}
