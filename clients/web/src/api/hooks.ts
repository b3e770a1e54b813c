import { useCallback, useEffect, useRef, useState } from "react";
import { isCancelled, serverError, type ServerError } from "./errors.js";

/** A call's result, its error, and a way to run it again. */
export interface Loaded<T> {
  data?: T;
  error?: ServerError;
  loading: boolean;
  reload: () => void;
}

/** Runs {@code call} on mount and whenever {@code deps} change. */
export function useCall<T>(call: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ServerError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    call(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, loading: false }),
      (e) => !abort.signal.aborted && setState({ error: serverError(e), loading: false }),
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/**
 * Follows a server stream while mounted: each message to {@code onMessage}; after a failure other
 * than the page's own cancel, it reconnects with a growing pause (1 s to 15 s).
 */
export function useStream<T>(
  open: ((signal: AbortSignal) => AsyncIterable<T>) | undefined,
  onMessage: (message: T) => void,
  deps: unknown[],
): { error?: ServerError; live: boolean } {
  const [status, setStatus] = useState<{ error?: ServerError; live: boolean }>({ live: false });
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (!open) {
      return;
    }
    const abort = new AbortController();
    let pause = 1_000;
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          setStatus({ live: true });
          for await (const message of open(abort.signal)) {
            pause = 1_000;
            handler.current(message);
          }
          return;
        } catch (e) {
          if (abort.signal.aborted || isCancelled(e)) {
            return;
          }
          setStatus({ error: serverError(e), live: false });
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(pause * 2, 15_000);
        }
      }
    };
    void run();
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return status;
}
