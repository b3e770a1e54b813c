import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "../gen/google/rpc/error_details_pb.js";

/** One field the server refused, and why. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** An error as the server sent it: its gRPC code, message and google.rpc details. */
export interface ServerError {
  code: string;
  message: string;
  violations: FieldViolation[];
  reason?: string;
  retryAfterSeconds?: number;
}

/** Reads what the server said out of any thrown value. */
export function serverError(e: unknown): ServerError {
  const error = ConnectError.from(e);
  const violations = error
    .findDetails(BadRequestSchema)
    .flatMap((bad) => bad.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason;
  const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return {
    code: codeName(error.code),
    message: error.rawMessage,
    violations,
    reason: reason || undefined,
    retryAfterSeconds: retry ? Number(retry.seconds) + retry.nanos / 1e9 : undefined,
  };
}

/** The canonical name of a gRPC code, as the server's documentation writes it. */
export function codeName(code: Code): string {
  return (Code[code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Whether a thrown value is the end of a stream the page itself cancelled. */
export function isCancelled(e: unknown): boolean {
  return ConnectError.from(e).code === Code.Canceled;
}
