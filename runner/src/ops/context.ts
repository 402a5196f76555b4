// What every operation handler receives, and the handler type the table in ops/index.ts is checked against.
import type { OpCode, OpParamsOf } from '@simpul/protocol';
import type { TaskBlobs } from '../blobs/task-blobs.ts';
import type { UnreleasedOf } from '../disclosure/facts.ts';
import type { Gate } from '../disclosure/gate.ts';
import type { Engine } from '../engine/engine.ts';
import type { Session } from '../engine/session.ts';
import type { Logger } from '../log.ts';

export interface OpContext<C extends OpCode = OpCode> {
  task_id: string;
  runner_name?: string; // this runner's name, for reports
  op: C;
  params: OpParamsOf<C>; // already parsed with the protocol's OpParams[op]
  engine: Engine; // datasets and their schemas
  db: Session; // this task's own DuckDB connection, interrupted when `signal` aborts
  /**
   * Report a step (0–100); cheap to call, sends are coalesced. `until`: where the step's work ends on the bar, so that
   * DuckDB's progress on the step's queries moves the bar in between (and says how many rows it scanned).
   */
  progress(percent: number, message?: string, until?: number): void;
  signal: AbortSignal; // aborted on cancel, timeout, drop or shutdown
  log: Logger;
  /** The hub's blob store, under this task's lease (exports, large results); absent without a hub, e.g. in unit tests. */
  blobs?: TaskBlobs;
  /** The dataset's release gate: the executor passes the handler's result through it; exports use it for their content. */
  gate: Gate;
}

/** A handler computes; what it returns is not yet sendable (the executor hands it to the gate). */
export type Handler<C extends OpCode = OpCode> = (ctx: OpContext<C>) => Promise<UnreleasedOf<C>>;
