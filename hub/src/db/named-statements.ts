// PostgreSQL: run the hub's queries as named (prepared) statements, so that each connection parses and plans a query
// text once instead of on every call. Kysely sends plain parameterised queries; this wraps each pooled client.
import { createHash } from 'node:crypto';
import type pg from 'pg';

const MAX_PER_CONNECTION = 256; // plans kept per server connection; queries past this run unnamed
const MAX_PARAMS = 1024; // longer statements run unnamed
// Statements of more than SMALL parameters (multi-row inserts and result groups, compiled per row count) cost the
// server more memory each: at most MAX_LARGE of them are named per connection, the first that come (the hot ones).
const SMALL = 64;
const MAX_LARGE = 48;

/** Wraps `client.query(text, values)`; meant for `pool.on('connect', namedStatements)`. */
export function namedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
  const names = new Map<string, string>(); // text → statement name
  const unnamed = new Set<string>(); // texts whose plan broke (a migration changed a table under it)
  let large = 0; // named statements of more than SMALL parameters
  (client as unknown as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (
      typeof text !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > MAX_PARAMS ||
      rest.length > 0 ||
      unnamed.has(text)
    ) {
      return query(text, values, ...rest);
    }
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_PER_CONNECTION) return query(text, values);
      if (values.length > SMALL && large++ >= MAX_LARGE) return query(text, values);
      name = `s_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
      names.set(text, name);
    }
    return query({ name, text, values }).catch((err: { code?: string }) => {
      // "cached plan must not change result type": the table changed since the plan was made. Plain from now on.
      if (err.code !== '0A000') throw err;
      unnamed.add(text);
      return query(text, values);
    });
  };
}
