// The hub's HTTP API as the runner uses it: register, ping, claim (long-poll), progress, result. Replies are parsed with the protocol.
import {
  ClaimReply,
  ErrorBody,
  PingReply,
  type PingRequestInput,
  ProgressReply,
  RegisterReply,
  type RegisterRequest,
  ReleaseReply,
  type ReleaseRequest,
  ResultReply,
  type ResultPost,
  ROUTES,
  RunnerTokenRotated,
  type TaskProgress,
  type UploadRequest,
  UploadSlot,
} from '@simpul/protocol';
import type { z } from 'zod';
import { HubError, NetworkError, errorMessage } from '../errors.ts';
import { explainTlsError } from '../tls.ts';
import { isRevocation } from '../token-watch.ts';

const REQUEST_TIMEOUT_MS = 15_000; // for everything but the long-poll, which adds its wait on top

export class HubApi {
  constructor(
    private baseUrl: string,
    private token: string | null = null,
  ) {}

  get base(): string {
    return this.baseUrl;
  }

  /** Talk to another hub of the same cluster from now on. */
  setBase(url: string): void {
    this.baseUrl = url;
  }

  setToken(token: string): void {
    this.token = token;
  }

  /**
   * Called when the hub refuses the token a request went with (401, not a revocation); it may set a newer token (one that
   * rotate-token wrote to the state file before the watcher noticed). The request is then sent once more.
   */
  onRefused: (() => void) | null = null;

  register(req: RegisterRequest): Promise<RegisterReply> {
    return this.call('POST', ROUTES.register.path, RegisterReply, { body: req, auth: false });
  }

  ping(req: PingRequestInput): Promise<PingReply> {
    return this.call('POST', ROUTES.ping.path, PingReply, { body: req });
  }

  /** Claim up to `limit` tasks, waiting up to `wait` seconds for one to exist. */
  claim(q: { runner_id: string; wait: number; limit: number }, signal?: AbortSignal): Promise<ClaimReply> {
    const query = new URLSearchParams({ runner_id: q.runner_id, wait: String(q.wait), limit: String(q.limit) });
    return this.call('GET', `${ROUTES.claim.path}?${query}`, ClaimReply, {
      timeoutMs: REQUEST_TIMEOUT_MS + q.wait * 1000,
      signal,
    });
  }

  progress(msg: TaskProgress): Promise<ProgressReply> {
    return this.call('POST', ROUTES.progress.path, ProgressReply, { body: msg });
  }

  result(msg: ResultPost): Promise<ResultReply> {
    return this.call('POST', ROUTES.result.path, ResultReply, { body: msg, timeoutMs: 60_000 });
  }

  /** A new token for this runner (the current one, set here, authenticates the request). */
  rotateToken(runnerId: string): Promise<RunnerTokenRotated> {
    return this.call(
      'POST',
      ROUTES.rotateRunnerToken.path.replace(':runner_id', encodeURIComponent(runnerId)),
      RunnerTokenRotated,
    );
  }

  /** A signed link to PUT a task's file to (blobs/blob-client.ts does the PUT). */
  uploadSlot(req: UploadRequest): Promise<UploadSlot> {
    return this.call('POST', ROUTES.upload.path, UploadSlot, { body: req });
  }

  release(msg: ReleaseRequest): Promise<ReleaseReply> {
    return this.call('POST', ROUTES.release.path, ReleaseReply, { body: msg });
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    opts: { body?: unknown; auth?: boolean; timeoutMs?: number; signal?: AbortSignal; again?: boolean } = {},
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const used = opts.auth === false ? null : this.token;
    if (used) headers.authorization = `Bearer ${used}`;
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal,
      });
      text = await res.text();
    } catch (e) {
      const why = timeout.aborted
        ? 'timed out'
        : opts.signal?.aborted
          ? 'aborted'
          : errorMessage((e as { cause?: unknown }).cause ?? e);
      throw new NetworkError(explainTlsError(`${method} ${path}: ${why}`), { cause: e });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(json);
      const error = err.success
        ? new HubError(res.status, err.data.error.code, err.data.error.message, err.data.error.details)
        : new HubError(res.status, `http_${res.status}`, `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
      // A refused request changed nothing at the hub, so sending it again is safe (results are idempotent anyway).
      if (error.status === 401 && used && !opts.again && !isRevocation(error) && this.newerToken(used))
        return this.call(method, path, schema, { ...opts, again: true });
      throw error;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Something answered that is not our hub (a proxy page, a different version): worth retrying, not trusting.
      throw new NetworkError(
        `${method} ${path}: the reply does not match the protocol: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      );
    }
    return parsed.data;
  }

  /** A token rotated while the request was in flight, or found by onRefused: true when there is one to try. */
  private newerToken(used: string): boolean {
    if (this.token === used) this.onRefused?.();
    return this.token !== null && this.token !== used;
  }
}
