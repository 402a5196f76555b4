// SQLite: reuse compiled statements. Kysely asks better-sqlite3 to prepare every query anew, and compiling the SQL costs
// more than running it for the small statements of the hot paths (claim, heartbeat, result).
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Least recently used statements beyond this many are dropped (queries with long IN lists vary in text). */
const MAX_STATEMENTS = 500;

export function withStatementCache(db: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(text: string): SqliteStatement {
      // Kysely opens transactions with a plain `begin`, which takes the write lock only at the first write; a second
      // process writing in between then fails at once with SQLITE_BUSY. `begin immediate` waits (busy_timeout) instead.
      const sql = /^begin$/i.test(text.trim()) ? 'begin immediate' : text;
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql); // re-inserted below: Map order is the LRU order
      } else {
        stmt = db.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
