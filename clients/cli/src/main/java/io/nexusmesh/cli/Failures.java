package io.nexusmesh.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.client.NexusClient;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns any failure of a command into one clear line on stderr (plus one per invalid field) and an
 * exit code that says what kind of failure it was; never a stack trace.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
  /** Exit codes, also listed in {@code nexus --help}'s footer. */
  static final int FAILED = 1;

  static final int USAGE = 2;
  static final int INVALID = 3;
  static final int DENIED = 4;
  static final int NOT_FOUND = 5;
  static final int CONFLICT = 6;
  static final int UNREACHABLE = 7;
  static final int THROTTLED = 8;

  @Override
  public int handleExecutionException(
      Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
    PrintWriter err = command.getErr();
    if (e instanceof StatusRuntimeException || e.getCause() instanceof StatusRuntimeException) {
      ErrorDetails details = ErrorDetails.from(e);
      err.println("error: " + describe(details));
      boolean saidAlready =
          details.violations().size() == 1
              && details.message().contains(details.violations().get(0).field());
      if (!saidAlready) {
        details.violations().forEach(v -> err.println("  " + v.field() + ": " + v.description()));
      }
      err.flush();
      return exitCode(details.code());
    }
    if (e instanceof NexusClient.MissingCredentialException) {
      err.println(
          "error: "
              + e.getMessage()
              + " (set NEXUS_TOKEN / NEXUS_API_KEY, pass --token / --api-key, or run `nexus login`)");
      err.flush();
      return DENIED;
    }
    if (e instanceof IllegalArgumentException) {
      err.println("error: " + e.getMessage());
      err.flush();
      return INVALID;
    }
    err.println(
        "error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    err.flush();
    return FAILED;
  }

  private static String describe(ErrorDetails details) {
    String message = details.message().isEmpty() ? details.code().name() : details.message();
    return switch (details.code()) {
      case UNAVAILABLE ->
          "the server is unreachable (" + message + "); is it running? (`./nexus dev` starts one)";
      case DEADLINE_EXCEEDED ->
          "no answer in time (" + message + "); raise --timeout, or check the server's health";
      case UNAUTHENTICATED -> message + " (set NEXUS_TOKEN / NEXUS_API_KEY, or run `nexus login`)";
      case RESOURCE_EXHAUSTED ->
          message
              + details
                  .retryDelay()
                  .map(d -> " (retry in " + Math.max(1, d.toMillis()) + " ms)")
                  .orElse("");
      default -> message;
    };
  }

  static int exitCode(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> INVALID;
      case UNAUTHENTICATED, PERMISSION_DENIED -> DENIED;
      case NOT_FOUND -> NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> CONFLICT;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> UNREACHABLE;
      case RESOURCE_EXHAUSTED -> THROTTLED;
      default -> FAILED;
    };
  }
}
