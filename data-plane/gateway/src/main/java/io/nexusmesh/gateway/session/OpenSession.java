package io.nexusmesh.gateway.session;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A session checked to be open and owned by the caller (see {@link Sessions#requireOpen}), with its
 * idle TTL: what a request needs to add to the session without reading it again.
 *
 * @param id the session id
 * @param ttl its idle time to live, restarted by the check
 */
public record OpenSession(String id, Duration ttl) {
  public OpenSession {
    requireNonNull(id, "id");
    requireNonNull(ttl, "ttl");
  }
}
