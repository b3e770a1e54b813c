import { timestampDate, type Timestamp, type Duration } from "@bufbuild/protobuf/wkt";

/** A timestamp as the reader's local date and time; "—" when unset. */
export function time(t?: Timestamp): string {
  return t ? timestampDate(t).toLocaleString() : "—";
}

/** Milliseconds since the epoch of a timestamp, or undefined. */
export function millis(t?: Timestamp): number | undefined {
  return t ? timestampDate(t).getTime() : undefined;
}

/** A duration in milliseconds, written for people: 840 ms, 2.4 s, 3 min 5 s. */
export function elapsed(ms: number): string {
  if (ms < 1_000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1_000).toFixed(1)} s`;
  }
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** A protobuf Duration in milliseconds. */
export function durationMillis(d?: Duration): number {
  return d ? Number(d.seconds) * 1_000 + d.nanos / 1e6 : 0;
}

/** The name of an enum value without its type's prefix: RolloutState.SUCCEEDED → "SUCCEEDED". */
export function enumName(enumObject: Record<number, string>, value: number): string {
  return enumObject[value] ?? String(value);
}

/** Pretty JSON of any JSON value. */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
