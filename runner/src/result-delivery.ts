// Posting a task's result until the hub answers: retried on network errors and 5xx, re-fenced under a renewed lease, and
// turned into a failure report when the hub refuses a success outright.
import type { ResultPost } from '@simpul/protocol';
import { backoffMs, sleep } from './backoff.ts';
import { ownFailure, underLease } from './disclosure/outgoing.ts';
import type { Released } from './disclosure/released.ts';
import { HubError, errorMessage } from './errors.ts';
import { type ExecutorOptions, type Reporter, type TaskRun, isRetryable, isStale } from './task-run.ts';

/**
 * Post the result until the hub answers; results are idempotent, so a retry after a lost reply is harmless.
 * Returns what the hub took, or null when it took nothing.
 */
export async function deliverResult(
  t: TaskRun,
  first: Released<ResultPost>,
  reporter: Reporter,
  hardStop: AbortSignal,
): Promise<Released<ResultPost> | null> {
  let post = first;
  for (let attempt = 0; ; attempt++) {
    if (hardStop.aborted || t.stop?.reason === 'drop') {
      t.log.warn('result not delivered', { reason: t.stop?.message ?? 'shutting down' });
      return null;
    }
    post = underLease(post, t.offer.lease_token); // the lease may have been renewed under a new token meanwhile
    try {
      const reply = await reporter.result(post);
      if (!reply.stored) t.log.info('result was already stored');
      return post;
    } catch (e) {
      if (isStale(e)) {
        if (t.offer.lease_token !== post.lease_token) continue; // leased to us again meanwhile: post under the new token
        t.log.info('result refused: the lease is no longer ours (stale_lease); work dropped', {
          error: errorMessage(e),
        });
        return null;
      }
      if (isRetryable(e)) {
        const wait = backoffMs(attempt, 500, 15_000);
        t.log.warn('result not delivered; retrying', { error: errorMessage(e), retry_in_ms: wait });
        await sleep(wait, hardStop);
        continue;
      }
      // The hub answered but will not take this result (too large, malformed): tell it the task failed instead.
      if (post.status === 'succeeded' && e instanceof HubError) {
        t.log.warn('result refused; reporting the task failed', { error: errorMessage(e), code: e.code });
        const why =
          e.code === 'payload_too_large'
            ? `the result is too large to send inline (${JSON.stringify(post.result).length} bytes; the hub said: ${e.message}); ask for fewer rows or columns`
            : `the hub refused the result (${e.code}): ${e.message}`;
        post = ownFailure(t.offer, 'op_failed', why);
        continue;
      }
      t.log.error('result refused', { error: errorMessage(e) });
      return null;
    }
  }
}

/** Deliver a finished task's result after its last progress, then clear its hold and record it in the audit log. */
export async function deliverAndRecord(
  t: TaskRun,
  post: Released<ResultPost>,
  started: number,
  opts: Pick<ExecutorOptions, 'reporter' | 'disclosure' | 'audit'>,
  hardStop: AbortSignal,
): Promise<void> {
  const finished = Date.now();
  // A success needs no last report: the result sets the hub's progress to 100. A failure keeps its last progress there.
  if (post.status === 'succeeded') await t.progress.done();
  else await t.progress.flush();
  const sent = await deliverResult(t, post, opts.reporter, hardStop);
  if (sent) opts.disclosure?.held.remove(t.offer.task_id);
  opts.audit?.record(t.offer, started, sent ?? post, sent !== null, finished);
  t.log.info('task finished', {
    status: sent?.status ?? 'not delivered',
    error: sent?.error?.code,
    ms: Date.now() - started,
  });
}
