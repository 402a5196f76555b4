// What a runner's release gate withheld or changed in a result, in words: the note every result view shows above it.
export {
  type DisclosureContext,
  type DisclosureNote,
  disclosed,
  disclosureNote,
  disclosureText,
} from '@simpul/protocol';

/** The tooltip of a withheld statistic (shown as a dash): null in a result with a disclosure note. */
export const WITHHELD_TITLE = "withheld under the data owner's release rules, or not computable from these rows";

/** Svelte context key: a function that says whether nulls in the result being shown may be withheld statistics. */
export const WITHHELD_CONTEXT = 'simpul:withheld';

/** "awaiting the data owner's release": what a runner reports while a result waits for review (runner/src/disclosure/hold.ts). */
export const AWAITING_RELEASE = "awaiting the data owner's release";

/** Whether a running task's result is held at its runner for the data owner's review. */
export function awaitingRelease(task: { status: string; progress_message: string | null }): boolean {
  return task.status === 'running' && task.progress_message === AWAITING_RELEASE;
}
