// Socket.IO event maps, plugged into the Server/Socket generics on both ends. Names are `noun:verb`, grouped by sender.
import { z } from 'zod';
import type { ErrorBody, ErrorInfo } from './errors.ts';
import type { PingReply, PingRequestInput, RunnerView } from './runners.ts';
import type { StudySummary } from './studies.ts';
import type {
  ClaimReply,
  ProgressReply,
  ReleaseReply,
  ReleaseRequest,
  ResultPost,
  ResultReply,
  ResultBatchReply,
  TaskOffer,
  TaskProgress,
  TaskView,
} from './tasks.ts';

/** Namespaces on the hub's port (path /socket.io/). */
export const RUNNER_NAMESPACE = '/runner';
export const WEB_NAMESPACE = '/web';

/** Runner handshake `auth` payload. A bad token or protocol refuses the connection with `connect_error` whose `data` is an ErrorInfo. */
export const RunnerHandshake = z.object({
  token: z.string().min(1).max(200),
  runner_id: z.string().min(1).max(64),
  protocol_version: z.number().int(),
});
export type RunnerHandshake = z.infer<typeof RunnerHandshake>;

/** Web handshake `auth` payload: a bearer token; without it the session cookie is used. */
export const WebHandshake = z.object({ token: z.string().min(1).max(200).optional() });
export type WebHandshake = z.infer<typeof WebHandshake>;

export const ClaimRequest = z.object({ limit: z.number().int().min(1).max(50).default(1) });
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const TaskCancel = z.object({ task_id: z.string(), reason: z.string() });
export type TaskCancel = z.infer<typeof TaskCancel>;

/** An ack carries either the reply or an error body. */
export type Ack<T> = (reply: T | ErrorBody) => void;

export interface RunnerToHubEvents {
  /** First message after connecting: the leases the runner still holds; the reply says keep / cancel / drop. */
  'runner:hello': (msg: PingRequestInput, ack: Ack<PingReply>) => void;
  /** Heartbeat: renews the listed leases. */
  'runner:ping': (msg: PingRequestInput, ack: Ack<PingReply>) => void;
  /** Ask for up to `limit` queued tasks (after connecting and whenever a slot frees up). */
  'task:claim': (msg: { limit?: number }, ack: Ack<ClaimReply>) => void;
  'task:progress': (msg: TaskProgress, ack: Ack<ProgressReply>) => void;
  'task:result': (msg: ResultPost, ack: Ack<ResultReply>) => void;
  /** Several final reports in one message (at most RESULT_BATCH_MAX); each is judged as if sent alone. */
  'task:results': (msg: ResultPost[], ack: Ack<ResultBatchReply>) => void;
  /** Hand a leased task back unstarted; it is queued again at once. */
  'task:release': (msg: ReleaseRequest, ack: Ack<ReleaseReply>) => void;
}

export interface HubToRunnerEvents {
  /** A task claimed for this runner. Ack `true` to take it; `false` (busy) or no ack in time hands it back. */
  'task:offer': (offer: TaskOffer, ack: (accepted: boolean) => void) => void;
  /** Several tasks claimed for this runner in one go (sent only to a runner whose hello said `batch_offers: true`). Ack
   * one boolean per offer, in order: `true` takes it; `false`, a missing entry or no ack in time hands it back. */
  'task:offers': (offers: TaskOffer[], ack: (accepted: boolean[]) => void) => void;
  /** Abort this task and report it `canceled`. */
  'task:cancel': (msg: TaskCancel) => void;
  /** The runner's token was revoked; it will be disconnected. */
  'runner:revoked': (info: ErrorInfo) => void;
  /** The runner sent events faster than the hub allows for too long (`rate_limited`); it will be disconnected. */
  'runner:rate_limited': (info: ErrorInfo) => void;
}

export interface HubToWebEvents {
  'task:update': (task: TaskView) => void;
  'runner:update': (runner: RunnerView) => void;
  /** A study changed (round, status); fetch `GET /api/v1/studies/{id}` for its tree and result. */
  'study:update': (study: StudySummary) => void;
}

// The web sends nothing over its socket; it uses HTTP for every action.
export type WebToHubEvents = Record<string, never>;
