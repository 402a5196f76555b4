// The audit log: who did what, appended (never updated) by every security-relevant action.
import type { AuditAction, AuditActorKind } from '@simpul/protocol';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Caller } from '../auth/caller.ts';
import { idBytes } from '../auth/tokens.ts';
import { preparedInsert } from '../db/prepared.ts';
import type { AuditLogTable, Db } from '../db/schema.ts';
import type { HubEnv } from '../http/env.ts';
import type { Logger } from '../log.ts';
import { hashJson } from '../queue/canonical-json.ts';
import { toJson } from '../store/json.ts';

export interface Actor {
  kind: AuditActorKind;
  id: string | null;
  name: string | null;
}

export interface AuditEvent {
  action: AuditAction;
  actor: Actor;
  ip?: string | null;
  target?: { kind: string; id: string } | null;
  details?: Record<string, unknown>;
}

export const ANONYMOUS: Actor = { kind: 'anonymous', id: null, name: null };
export const SYSTEM: Actor = { kind: 'system', id: null, name: null };

export function actorOf(caller: Caller | undefined): Actor {
  if (!caller || caller.kind === 'none') return ANONYMOUS;
  if (caller.kind === 'runner') return { kind: 'runner', id: caller.runner.id, name: caller.runner.name };
  return { kind: 'user', id: caller.user.id, name: caller.user.username };
}

/** The client's address as the hub's socket saw it (no proxy headers are trusted). */
export function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // not served by @hono/node-server (app.request in tests)
  }
}

/** The SHA-256 of a task's params in canonical JSON: says which request it was without storing it twice. */
export const paramsHash = (params: unknown) => hashJson(params);

let lastMs = 0;
let seq = 0;
/** Ids that sort by time, then by a per-process counter, so "newest first" is stable. */
function auditId(now: number): string {
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  return `a${now.toString(36).padStart(9, '0')}${seq.toString(36).padStart(4, '0')}${idBytes(4).toString('hex')}`;
}

function row(e: AuditEvent, now: number): AuditLogTable {
  return {
    id: auditId(now),
    at: now,
    action: e.action,
    actor_kind: e.actor.kind,
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    ip: e.ip ?? null,
    target_kind: e.target?.kind ?? null,
    target_id: e.target?.id ?? null,
    details: toJson(e.details ?? {}),
  };
}

/** Appends entries in the caller's transaction (enqueue's group commit): a failure fails that transaction. */
export async function auditWithin(trx: Db, entries: { event: AuditEvent; at: number }[]): Promise<void> {
  await insertAudit(
    trx,
    entries.map((e) => row(e.event, e.at)),
  );
}

const insertAudit = preparedInsert('audit_log', [
  'id',
  'at',
  'action',
  'actor_kind',
  'actor_id',
  'actor_name',
  'ip',
  'target_kind',
  'target_id',
  'details',
] satisfies (keyof AuditLogTable)[]);

/** Appends entries (one statement per 200). A failure is logged, never hidden: the caller's action already happened. */
export async function audit(
  ctx: { db: Db; log: Logger },
  events: AuditEvent | AuditEvent[],
  now = Date.now(),
): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const rows = list.map((e) => row(e, now));
  try {
    for (let i = 0; i < rows.length; i += 200)
      await ctx.db
        .insertInto('audit_log')
        .values(rows.slice(i, i + 200))
        .execute();
  } catch (err) {
    ctx.log.error('audit log write failed', { err, action: list[0].action, count: list.length });
  }
}

/** An entry for the current HTTP request: its caller (as resolved by the route) and client address. */
type RequestEvent = Omit<AuditEvent, 'actor' | 'ip'> & { actor?: Actor };
export function auditRequest(c: Context<HubEnv>, events: RequestEvent | RequestEvent[]): Promise<void> {
  const actor = actorOf(c.get('caller'));
  const ip = clientIp(c);
  const list = (Array.isArray(events) ? events : [events]).map((e) => ({ ...e, actor: e.actor ?? actor, ip }));
  return audit(c.get('hub'), list);
}
