// Reading the audit log back for admins: newest first, filtered, paged by id.
import { AuditAction, AuditActorKind, type AuditEntry, type AuditQuery } from '@simpul/protocol';
import { z } from 'zod';
import type { Db } from '../db/schema.ts';
import { fromJson, iso } from '../store/json.ts';

const Details = z.record(z.string(), z.unknown());

export async function listAudit(db: Db, q: AuditQuery): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (q.action) query = query.where('action', '=', q.action);
  if (q.actor_id) query = query.where('actor_id', '=', q.actor_id);
  if (q.target_id) query = query.where('target_id', '=', q.target_id);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
  const entries: AuditEntry[] = [];
  for (const r of rows) {
    const action = AuditAction.safeParse(r.action);
    const kind = AuditActorKind.safeParse(r.actor_kind);
    if (!action.success || !kind.success) continue; // written by a newer hub: not ours to describe
    entries.push({
      id: r.id,
      at: iso(r.at),
      action: action.data,
      actor: { kind: kind.data, id: r.actor_id, name: r.actor_name },
      ip: r.ip,
      target: r.target_kind !== null && r.target_id !== null ? { kind: r.target_kind, id: r.target_id } : null,
      details: fromJson(r.details, Details, {}, { table: 'audit_log', id: r.id, column: 'details' }),
    });
  }
  return entries;
}
