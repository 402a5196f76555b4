// Hot-path queries built once: building and compiling a Kysely query costs more than running it on the claim and result
// paths. A prepared query is built with stand-ins for its arguments, compiled once per dialect (and per length of each
// list argument), and from then on only its parameter list is filled in. Values written into the builder itself (not
// through `arg`) are fixed at the first build: pass everything that varies as an argument.
import type { CompiledQuery, Compilable, DialectAdapter, Kysely, QueryResult } from 'kysely';

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
