package io.nexusmesh.llm.work;

import com.google.protobuf.util.Timestamps;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import java.util.UUID;

/** The envelope of a reply to a command: same session, org and turn, caused by the command. */
public final class Replies {
  private Replies() {}

  /** A reply envelope for {@code command}, from {@code source}; the caller sets the payload. */
  public static SemanticEvent.Builder to(SemanticEvent command, String source) {
    return SemanticEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSessionId(command.getSessionId())
        .setOrg(command.getOrg())
        .setTurnId(command.getTurnId())
        .setCausationId(command.getEventId())
        .setSource(source)
        .setTime(Timestamps.fromMillis(System.currentTimeMillis()));
  }
}
