// The runner's few named errors, and the process exit codes they lead to.
import type { ErrorCode, ErrorInfo } from '@simpul/protocol';

/** Exit codes of `simpul-runner`, also listed in `--help`. */
export const EXIT = {
  ok: 0,
  failure: 1, // something unexpected; the log says what
  usage: 2, // bad flags or config: fix them and start again
  auth: 3, // the hub refused the enrolment key or the runner's token
  protocol: 4, // runner and hub speak different protocol versions
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A task failed for a reason the analyst should see; `code` is one of the protocol's task failure codes. */
export class TaskFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'TaskFailure';
  }

  toInfo(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** The config file, environment or flags do not make a usable runner. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The hub answered, with an error body. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** The hub could not be reached (refused, reset, timed out, or answered something that is not our API). Worth retrying. */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** Stop the runner with this exit code and message. */
export class FatalError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'FatalError';
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
