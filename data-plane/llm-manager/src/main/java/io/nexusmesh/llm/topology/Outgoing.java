package io.nexusmesh.llm.topology;

import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.semantic.Topics;

/** A record the topology writes, and the topic it goes to. */
public sealed interface Outgoing {
  /** Its topic among {@code topics}. */
  String topic(Topics topics);

  /** Its value on the wire. */
  byte[] bytes();

  /** A step of the chain, for {@code nexus.semantic.events}. */
  record Event(SemanticEvent event) implements Outgoing {
    @Override
    public String topic(Topics topics) {
      return topics.events();
    }

    @Override
    public byte[] bytes() {
      return event.toByteArray();
    }
  }

  /** Work for an asynchronous caller, for {@code nexus.semantic.commands}. */
  record Command(SemanticEvent command) implements Outgoing {
    @Override
    public String topic(Topics topics) {
      return topics.commands();
    }

    @Override
    public byte[] bytes() {
      return command.toByteArray();
    }
  }

  /** A record that could not be processed, as it arrived, and why. */
  record DeadLetter(byte[] raw, String reason) implements Outgoing {
    @Override
    public String topic(Topics topics) {
      return topics.deadLetters();
    }

    @Override
    public byte[] bytes() {
      return raw;
    }
  }
}
