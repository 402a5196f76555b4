// The web app's errors: what the hub refused, or why we could not ask it.

/** An error answer from the hub (`{ error: { code, message } }`), or a network or reply-shape problem. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, status: number, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** What a request that could not reach the hub says; pages clear it once the hub is back. */
export const UNREACHABLE_TEXT = 'Could not reach the hub. Check that it is running and try again.';

/** Whether a message shown on a page is (or ends with) the hub being unreachable. */
export const isUnreachableText = (text: string | null | undefined): boolean =>
  text?.includes(UNREACHABLE_TEXT) ?? false;

/** The message to show a person for anything thrown. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Plain-language lead-ins for task failure codes; the runner's own message follows. */
const TASK_ERROR_TEXT: Record<string, string> = {
  dataset_not_found: 'The runner does not have this dataset.',
  unknown_column: 'A column in the request does not exist in the dataset.',
  invalid_params: 'The runner could not accept the request as written.',
  policy_denied: "The data owner's policy does not allow this.",
  timeout: 'The task ran longer than its time limit and was stopped.',
  lost: 'The runner holding this task went away too many times.',
  canceled: 'The task was canceled.',
  op_failed: 'The operation failed on the runner.',
  internal: 'Something went wrong inside Simpul.',
  release_denied:
    "The data owner reviewed this result at the runner and did not release it (their dataset's policy holds results for review). Nothing left the runner; ask the data owner why, or change the request.",
  release_expired:
    'The data owner did not review this result within the time their policy allows (review_ttl, 7 days unless it says otherwise), so it was not released. Run the task again, and let the data owner know it is waiting.',
};

export function taskErrorText(error: { code: string; message: string }): { lead: string | null; message: string } {
  return { lead: TASK_ERROR_TEXT[error.code] ?? null, message: error.message };
}

/**
 * Whether an error means "this hub has no such endpoint" (an older hub, or one without the admin features), as opposed
 * to "no such user/key/runner" or any other refusal. The hub answers unknown routes with 404 "no route …".
 */
export function unavailable(e: unknown, listing = false): boolean {
  if (!(e instanceof ApiError)) return false;
  if (e.status === 405 || e.status === 501) return true;
  // A list that is not found is a missing endpoint; an action's 404 may just be a missing user, key or runner.
  return e.status === 404 && (listing || /^no route\b/i.test(e.message));
}
