// Node flags the hub runs with. V8 reads them when it sets up the heap, so they go on the command line (`npm run hub`
// and `npm start` pass them; so should a service file: `node --no-memory-reducer --import tsx hub/src/main.ts`).
// Set from inside the process (v8.setFlagsFromString) they came too late: the collections they turn off still ran.

/** V8's memory reducer runs up to three full collections each time the process looks idle, to hand memory back. A hub's
 *  heap is mostly its connections, which it keeps: with 10,000 idle runners those collections were a third of its CPU. */
export const HUB_NODE_FLAGS = ['--no-memory-reducer'] as const;

/** The flags this process was started without (process.execArgv holds the Node flags it was given). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return HUB_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
