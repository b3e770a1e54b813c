import type { ServerError } from "../api/errors.js";

/** Whether a stream is following the server, and why not. */
export function Live({ status }: { status: { live: boolean; error?: ServerError } }) {
  return (
    <span className={status.live ? "live on" : "live off"} role="status">
      {status.live ? "● live" : `○ reconnecting${status.error ? `: ${status.error.code} ${status.error.message}` : ""}`}
    </span>
  );
}
