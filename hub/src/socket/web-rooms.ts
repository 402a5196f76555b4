// Rooms of the /web namespace: who hears about what, and which sockets close when their credentials end.
// user:<id>      the user's own tasks and studies, and runners shared with them (all closed when the user is
//                disabled, deleted or demoted)
// admins         everything
// cred:<id>      sockets opened with one session or API token (closed when it ends)
// sessions:<id>  sockets opened with any session of the user (closed when an admin resets the password)
import type { Socket } from 'socket.io';
import type { Db, RunnerRow } from '../db/schema.ts';
import type { SignedOut } from '../queue/notifier.ts';
import { accessOfRunners } from '../auth/runner-access.ts';

export interface WebCredential {
  sessionId?: string;
  tokenId?: string;
  expiresAt?: number | null;
}

/** Longest timer Node keeps (about 24.8 days); a credential that lives longer is checked again then. */
const MAX_TIMER_MS = 2_147_483_647;

/** Joins the socket's rooms and closes it when its credential expires. Returns what to undo on disconnect. */
export function joinRooms(socket: Socket, userId: string, admin: boolean, cred: WebCredential): () => void {
  const rooms = [`user:${userId}`];
  if (admin) rooms.push('admins');
  const credId = cred.sessionId ?? cred.tokenId;
  if (credId) rooms.push(`cred:${credId}`);
  if (cred.sessionId) rooms.push(`sessions:${userId}`);
  void socket.join(rooms);
  const at = cred.expiresAt;
  if (at === undefined || at === null) return () => {};
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at - Date.now();
    timer = setTimeout(
      () => (left > MAX_TIMER_MS ? arm() : socket.disconnect(true)),
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
  };
  arm();
  return () => clearTimeout(timer);
}

export const signedOutRoom = (who: SignedOut) =>
  'credentialId' in who
    ? `cred:${who.credentialId}`
    : 'sessionsOf' in who
      ? `sessions:${who.sessionsOf}`
      : `user:${who.userId}`; // disabled, deleted or demoted: every socket of the user, sessions and API tokens

/**
 * Where each runner's update goes: everyone for a shared runner (null), else admins and the users it is shared with;
 * a runner that is not shared is as invisible on the socket as it is over HTTP (404).
 */
export async function runnerRooms(
  db: Db,
  rows: Pick<RunnerRow, 'id' | 'shared'>[],
): Promise<Map<string, string[] | null>> {
  const out = new Map<string, string[] | null>();
  const closed = rows.filter((r) => r.shared !== 1).map((r) => r.id);
  const access = closed.length ? await accessOfRunners(db, closed) : [];
  for (const r of rows) {
    out.set(
      r.id,
      r.shared === 1 ? null : ['admins', ...access.filter((a) => a.runner_id === r.id).map((a) => `user:${a.user_id}`)],
    );
  }
  return out;
}
