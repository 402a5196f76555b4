// The Reporter the executor uses: the socket when it is up, HTTP otherwise (and when a socket ack times out).
import {
  type ProgressReply,
  type ReleaseReply,
  type ReleaseRequest,
  RESULT_BATCH_MAX,
  type ResultPost,
  type ResultReply,
  type TaskProgress,
} from '@simpul/protocol';
import { HubError, NetworkError } from '../errors.ts';
import type { Reporter } from '../task-run.ts';
import type { HubApi } from './hub-api.ts';
import type { SocketChannel } from './socket.ts';

const SOCKET_MESSAGE_MAX = 256 * 1024; // a Socket.IO server drops a connection whose message exceeds its buffer (the hub: inline max + 64 KiB)
/** Results ready in the same turn go in one `task:results` message: at most this many bytes (always within the hub's
 * buffer), of reports of at most BATCHED_MAX bytes each, RESULT_BATCH_MAX reports. Larger ones go alone. */
const BATCH_BYTES = 48 * 1024;
const BATCHED_MAX = 8 * 1024;

interface Waiting {
  msg: ResultPost;
  bytes: number;
  resolve(reply: ResultReply): void;
  reject(err: unknown): void;
}

export class LinkReporter implements Reporter {
  constructor(
    private readonly api: HubApi,
    private readonly socket: () => SocketChannel | null,
    /** Errors that concern the whole runner (token refused, protocol mismatch), wherever they show up. */
    private readonly onRunnerError: (e: HubError) => void,
  ) {}

  progress(msg: TaskProgress): Promise<ProgressReply> {
    return this.send(
      (s) => s.progress(msg),
      () => this.api.progress(msg),
    );
  }

  private waiting: Waiting[] = [];

  result(msg: ResultPost): Promise<ResultReply> {
    const bytes = Buffer.byteLength(JSON.stringify(msg)); // bytes, not characters: the hub's limit counts bytes
    if (bytes <= BATCHED_MAX && this.socket()?.connected)
      return new Promise((resolve, reject) => {
        if (this.waiting.push({ msg, bytes, resolve, reject }) === 1) setImmediate(() => this.sendWaiting());
      });
    return this.resultAlone(msg, bytes);
  }

  private resultAlone(msg: ResultPost, bytes = Buffer.byteLength(JSON.stringify(msg))): Promise<ResultReply> {
    // A message past the hub's socket buffer would get the whole socket closed; HTTP answers a clean 413 instead.
    return this.send(
      (s) => s.result(msg),
      () => this.api.result(msg),
      bytes > SOCKET_MESSAGE_MAX,
    );
  }

  /** The results of one turn, in messages within the batch limits. */
  private sendWaiting(): void {
    const all = this.waiting.splice(0);
    for (let i = 0; i < all.length; ) {
      let bytes = 0;
      let j = i;
      while (j < all.length && j - i < RESULT_BATCH_MAX && bytes + all[j].bytes <= BATCH_BYTES) bytes += all[j++].bytes;
      void this.sendBatch(all.slice(i, j));
      i = j;
    }
  }

  /** One message for several; if it fails as a whole (lost socket, refused message), each is sent alone as before. */
  private async sendBatch(batch: Waiting[]): Promise<void> {
    const alone = (w: Waiting) => this.resultAlone(w.msg, w.bytes).then(w.resolve, w.reject);
    const s = this.socket();
    if (batch.length === 1 || !s?.connected) return void batch.map(alone);
    let replies: (ResultReply | HubError)[];
    try {
      replies = await s.results(batch.map((w) => w.msg));
    } catch {
      return void batch.map(alone);
    }
    batch.forEach((w, i) => {
      const r = replies[i];
      if (r instanceof HubError) w.reject(this.watch(r));
      else w.resolve(r);
    });
  }

  release(msg: ReleaseRequest): Promise<ReleaseReply> {
    return this.send(
      (s) => s.release(msg),
      () => this.api.release(msg),
    );
  }

  private async send<T>(
    viaSocket: (s: SocketChannel) => Promise<T>,
    viaHttp: () => Promise<T>,
    httpOnly = false,
  ): Promise<T> {
    const s = this.socket();
    if (s?.connected && !httpOnly) {
      try {
        return await viaSocket(s);
      } catch (e) {
        if (!(e instanceof NetworkError)) throw this.watch(e);
      }
    }
    try {
      return await viaHttp();
    } catch (e) {
      throw this.watch(e);
    }
  }

  private watch(e: unknown): unknown {
    if (e instanceof HubError && (e.status === 401 || e.code === 'protocol_mismatch')) this.onRunnerError(e);
    return e;
  }
}
