// Hub-to-hub messages on the internal /cluster namespace (relayed by PostgreSQL NOTIFY); parsed like any other input.
import { DatasetName, RunnerId } from '@simpul/protocol';
import { z } from 'zod';

export const CLUSTER_NAMESPACE = '/cluster';

/**
 * Tasks became claimable on another hub: each hub offers them to its own runners (the atomic claim picks one). With
 * the work's hint (the runners it names, the dataset names any runner serving them may take) only those are asked;
 * without one (re-queued work, or too many names), every runner with due work.
 */
export const AVAILABLE = 'hub:available';
/** A relayed hint names at most this many runners and datasets together; more are sent as no hint (a full round). */
export const HINT_MAX = 64;
export const AvailableMessage = z
  .object({
    runners: z.array(RunnerId).max(HINT_MAX),
    datasets: z.array(DatasetName).max(HINT_MAX),
  })
  .strict();
/** Another hub's reaper expired these runners' leases: if they are connected here, push them nothing until they speak. */
export const LOST = 'hub:lost';
export const LostMessage = z.array(RunnerId).max(10_000);
/** Sessions or API tokens ended on another hub: forget what this hub keeps of them (its credential cache). */
export const SIGNED_OUT = 'hub:signed-out';
const ClusterId = z.string().min(1).max(64);
export const SignedOutMessage = z.union([
  z.object({ credentialId: ClusterId }).strict(),
  z.object({ sessionsOf: ClusterId }).strict(),
  z.object({ userId: ClusterId }).strict(),
]);
/** Whether a hub has web users connected (sent on change and every few seconds while true). */
export const WEB = 'hub:web';
export const WebMessage = z.object({ hub: z.string().min(1).max(64), listening: z.boolean() });
export type WebMessage = z.infer<typeof WebMessage>;
