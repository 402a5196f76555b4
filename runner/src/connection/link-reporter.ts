// The Reporter the executor uses: the socket when it is up, HTTP otherwise (and when a socket ack times out).
import type {
  ProgressReply,
  ReleaseReply,
  ReleaseRequest,
  ResultPost,
  ResultReply,
  TaskProgress,
} from '@simpul/protocol';
import { HubError, NetworkError } from '../errors.ts';
import type { Reporter } from '../task-run.ts';
import type { HubApi } from './hub-api.ts';
import type { SocketChannel } from './socket.ts';

const SOCKET_MESSAGE_MAX = 256 * 1024; // a Socket.IO server drops a connection whose message exceeds its buffer (the hub: inline max + 64 KiB)

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

  result(msg: ResultPost): Promise<ResultReply> {
    // A message past the hub's socket buffer would get the whole socket closed; HTTP answers a clean 413 instead.
    const big = JSON.stringify(msg).length > SOCKET_MESSAGE_MAX;
    return this.send(
      (s) => s.result(msg),
      () => this.api.result(msg),
      big,
    );
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
