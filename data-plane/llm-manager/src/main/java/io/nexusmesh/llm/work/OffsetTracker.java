package io.nexusmesh.llm.work;

import java.util.TreeSet;

/**
 * The offsets of one partition whose records are still being worked on, out of order: the offset
 * safe to commit is the lowest one still open (or the one after the last seen), so a restart redoes
 * at most the unfinished work, never skips any.
 */
final class OffsetTracker {
  private final TreeSet<Long> open = new TreeSet<>();
  private long next = -1;

  synchronized void begin(long offset) {
    open.add(offset);
    next = Math.max(next, offset + 1);
  }

  synchronized void done(long offset) {
    open.remove(offset);
  }

  /** The offset to commit, or -1 before the first record. */
  synchronized long committable() {
    return open.isEmpty() ? next : open.first();
  }

  synchronized int openCount() {
    return open.size();
  }
}
