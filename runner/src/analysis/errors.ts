// Errors of analyses and exports; `code` is the task failure code the executor reports.
import type { ErrorCode } from '@simpul/protocol';

export class AnalysisError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AnalysisError';
  }
}

/** The task was canceled or timed out between two steps: the signal's own reason, else a standard AbortError. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new DOMException('the analysis was aborted', 'AbortError');
}
