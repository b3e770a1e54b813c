import type { Interceptor } from "@connectrpc/connect";

/** Random lowercase hex of {@code bytes} bytes, never all zeros (W3C: an all-zero id is invalid). */
function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  if (random.every((b) => b === 0)) {
    random[0] = 1;
  }
  return Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new W3C traceparent: a fresh trace, sampled, whose parent is the console's call. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** The trace id of a traceparent. */
export function traceIdOf(traceparent: string): string {
  return traceparent.split("-")[1] ?? "";
}

/**
 * Starts a trace for each call the console makes: the control plane and the gateway continue it,
 * so what a click caused shows as one trace on the Traces page.
 */
export function traceContext(): Interceptor {
  return (next) => async (req) => {
    if (!req.header.has("traceparent")) {
      req.header.set("traceparent", newTraceparent());
    }
    return next(req);
  };
}
