// The table in which @socket.io/postgres-adapter keeps messages too large for a NOTIFY (over 8,000 bytes).
import type pg from 'pg';

export const ATTACHMENTS_TABLE = 'socket_io_attachments';

// Any fixed number: hubs starting together serialise on it instead of racing to create the same table.
const LOCK_KEY = 0x51_4d_50_55; // "SMPU"

/** Creates the table in the pool's schema (search_path) if it is not there yet. */
export async function ensureAttachmentsTable(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_TABLE} (
      id bigserial UNIQUE,
      created_at timestamptz DEFAULT now(),
      payload bytea
    )`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
