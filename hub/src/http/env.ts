// Hono's per-request variables. The guards that turn "who is calling" into "may they" are in guards/.
import type { Context } from 'hono';
import type { HubContext } from '../context.ts';
import type { Caller } from '../auth/caller.ts';

export type HubEnv = { Variables: { hub: HubContext; caller?: Caller; requestId?: string } };
export type Ctx = Context<HubEnv>;
