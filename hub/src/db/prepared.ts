// Hot-path queries built once: building and compiling a Kysely query costs more than running it on the claim and result
// paths. A prepared query is built with stand-ins for its arguments, compiled once per dialect (and per length of each
// list argument), and from then on only its parameter list is filled in. Values written into the builder itself (not
// through `arg`) are fixed at the first build: pass everything that varies as an argument.
import type { CompiledQuery, Compilable, DialectAdapter, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.ts';

const MARK = '\u0000simpul-arg:';

/** Where each compiled parameter comes from: argument i (or element j of list argument i), or a fixed value. */
type Slot = { arg: number; item?: number } | { fixed: unknown };

interface Plan {
  sql: string;
  slots: Slot[];
  node: CompiledQuery['query'];
  queryId: CompiledQuery['queryId'];
}

/** A stand-in for argument `i`: a scalar, or a list as long as the argument's list. */
export type Args<A extends readonly unknown[]> = { [K in keyof A]: A[K] };

export type Prepared<DB, A extends readonly unknown[], R> = (db: Kysely<DB>, ...args: A) => Promise<QueryResult<R>>;

/** `build(db, ...stand-ins)` must build the same query shape whatever the arguments' values. */
export function prepared<DB, A extends readonly unknown[], R>(
  build: (db: Kysely<DB>, ...args: Args<A>) => Compilable<R>,
): Prepared<DB, A, R> {
  const plans = new WeakMap<DialectAdapter, Map<string, Plan>>();
  return (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let byShape = plans.get(adapter);
    if (!byShape) plans.set(adapter, (byShape = new Map()));
    const shape = args.map((a) => (Array.isArray(a) ? a.length : '')).join(',');
    let plan = byShape.get(shape);
    if (!plan) {
      const stand = args.map((a, i) =>
        Array.isArray(a) ? a.map((_, j) => `${MARK}${i}.${j}`) : `${MARK}${i}`,
      ) as unknown as Args<A>;
      const compiled = build(db, ...stand).compile();
      plan = {
        sql: compiled.sql,
        node: compiled.query,
        queryId: compiled.queryId,
        slots: compiled.parameters.map(slotOf),
      };
      byShape.set(shape, plan);
    }
    const parameters = plan.slots.map((s) =>
      'fixed' in s ? s.fixed : s.item === undefined ? args[s.arg] : (args[s.arg] as unknown[])[s.item],
    );
    return db.executeQuery<R>({ sql: plan.sql, parameters, query: plan.node, queryId: plan.queryId });
  };
}

function slotOf(p: unknown): Slot {
  if (typeof p !== 'string' || !p.startsWith(MARK)) return { fixed: p };
  const [arg, item] = p.slice(MARK.length).split('.');
  return item === undefined ? { arg: Number(arg) } : { arg: Number(arg), item: Number(item) };
}

/**
 * A multi-row insert into `table` of these columns, compiled once per number of rows and then only filled in (Kysely's
 * parse of `.values(rows)` costs more than the insert itself on the hot paths), `chunk` rows per statement.
 */
export function preparedInsert<T extends keyof Database & string>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  chunk = 200,
) {
  const insert = prepared((db: Kysely<Database>, flat: unknown[]) => {
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < flat.length; i += columns.length)
      rows.push(Object.fromEntries(columns.map((c, j) => [c, flat[i + j]])));
    return db.insertInto(table).values(rows as never);
  });
  return async (db: Kysely<Database>, rows: readonly object[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += chunk) {
      const flat: unknown[] = [];
      for (const r of rows.slice(i, i + chunk)) for (const c of columns) flat.push((r as Record<string, unknown>)[c]);
      await insert(db, flat);
    }
  };
}
