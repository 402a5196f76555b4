// What every part of the hub is handed: config, database, logger, events and socket presence.
import type { BlobService } from './blobs/service.ts';
import type { HubConfig } from './config.ts';
import type { DialectKind } from './db/connect.ts';
import type { Db, TaskRow } from './db/schema.ts';
import type { Logger } from './log.ts';
import type { HubMetrics } from './observability/metrics.ts';
import type { Notifier } from './queue/notifier.ts';

/** Which runners hold a live socket on this hub. */
export interface Presence {
  has(runnerId: string): boolean;
  /** The runner spoke over another channel (an HTTP ping): it is alive even if its socket was quiet. */
  heard(runnerId: string): void;
}

/** Created tasks leased in the create's transaction: which, and their delivery to the runners once it committed. */
export interface LeasedOnCreate {
  taken: ReadonlySet<string>;
  deliver(): void;
}

export interface HubContext {
  config: HubConfig;
  db: Db;
  kind: DialectKind;
  log: Logger;
  events: Notifier;
  presence: Presence;
  /** Set while the hub shuts down: long-polls answer empty, no new work is handed out. */
  closing: AbortSignal;
  /** The blob store (exports, large results); absent in queue-level tests that build a context by hand. */
  blobs?: BlobService;
  /** Prometheus metrics; absent in queue-level tests that build a context by hand. */
  metrics?: HubMetrics;
  /** Set by the socket layer on SQLite: leases created tasks, in the create's transaction, to runners waiting here. */
  leaseOnCreate?: (trx: Db, rows: readonly TaskRow[], now: number) => Promise<LeasedOnCreate | undefined>;
  /** Set when hubs share a PostgreSQL database: whether web users listen on any other hub. */
  cluster?: { webListening(): boolean };
}
