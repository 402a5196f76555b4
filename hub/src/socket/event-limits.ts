// Per-socket limits on what a runner may send: a token bucket per event kind. Excess events are answered (when they
// ask for an answer) with `rate_limited` and not run; one warning per burst; a runner that keeps it up is disconnected.
import type { Socket } from 'socket.io';
import type { ErrorBody } from '@simpul/protocol';
import type { Logger } from '../log.ts';

interface Rate {
  burst: number; // events at once
  perS: number; // events per second, sustained
}

/**
 * Generous: a runner with 1024 slots finishing quick tasks stays well inside, and heartbeats may come ten times as
 * often as the hub asks; 9,000 pings in a second do not. `scale` multiplies every rate (SIMPUL_RUNNER_EVENT_RATE_SCALE).
 */
export function runnerEventRates(heartbeatS: number, scale = 1): Record<string, Rate> {
  const r = (burst: number, perS: number): Rate => ({ burst: Math.ceil(burst * scale), perS: perS * scale });
  return {
    'runner:hello': r(10, 2),
    'runner:ping': r(50, Math.max(10, 10 / heartbeatS)),
    'task:claim': r(2000, 1000),
    'task:progress': r(2000, 1000),
    'task:result': r(2000, 1000),
    'task:results': r(200, 100), // messages of up to 64 reports each
    'task:release': r(2000, 1000),
    '*': r(20, 5), // events the hub does not know (they do nothing, but cost a parse)
  };
}

/** Dropped events within one window that close the socket. */
const CLOSE_AFTER_DROPS = 500;
const WINDOW_MS = 10_000;

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly rate: Rate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.at = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1000) * this.rate.perS);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Installs the limits on one runner socket (before any handler sees an event); `closing` is called once if it is closed. */
export function limitRunnerEvents(
  socket: Socket,
  log: Logger,
  rates: Record<string, Rate>,
  closing: (dropped: number) => void,
): void {
  const buckets = new Map<string, Bucket>();
  let dropped = 0;
  let windowStart = Date.now();
  let warned = false;
  let closed = false;
  socket.use((packet, next) => {
    const now = Date.now();
    const event = String(packet[0]);
    const kind = event in rates ? event : '*';
    let bucket = buckets.get(kind);
    if (!bucket) buckets.set(kind, (bucket = new Bucket(rates[kind], now)));
    if (bucket.take(now)) return next();

    if (now - windowStart > WINDOW_MS) [windowStart, dropped, warned] = [now, 0, false];
    dropped++;
    const ack = packet[packet.length - 1];
    const body: ErrorBody = {
      error: {
        code: 'rate_limited',
        message: `too many ${event} events from this runner; slow down`,
        details: { event },
      },
    };
    if (typeof ack === 'function') ack(body);
    if (!warned) {
      warned = true;
      log.warn('runner sends events faster than allowed: dropping the excess', { event });
    }
    if (dropped >= CLOSE_AFTER_DROPS && !closed) {
      closed = true;
      log.warn('runner kept sending too many events: closing its socket', { dropped });
      closing(dropped);
      socket.disconnect(true);
    }
  });
}
