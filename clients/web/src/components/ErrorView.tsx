import type { ServerError } from "../api/errors.js";

/** The one way the console shows a failed call: code, message and the server's details. */
export function ErrorView({ error }: { error?: ServerError }) {
  if (!error) {
    return null;
  }
  return (
    <div role="alert" className="error">
      <strong>{error.code}</strong> {error.message}
      {error.reason && <span className="muted"> ({error.reason})</span>}
      {error.retryAfterSeconds !== undefined && (
        <div>Retry in {Math.ceil(error.retryAfterSeconds)} s.</div>
      )}
      {error.violations.length > 0 && (
        <ul aria-label="Field violations">
          {error.violations.map((v) => (
            <li key={v.field + v.description}>
              <code>{v.field}</code>: {v.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
