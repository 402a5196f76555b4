// `simpul-runner review`: the data owner's review before release. Lists the results a policy with `release: review`
// holds, shows exactly what would leave, and approves or denies them; the running runner acts on the decision.
import { OP_NAMES } from '@simpul/protocol';
import { disclosurePaths } from '../disclosure/paths.ts';
import { type HeldResult, HeldStore } from '../disclosure/held-store.ts';
import { EXIT, type ExitCode } from '../errors.ts';
import { parseFlags } from './flags.ts';
import { ago, statePathOf } from './status.ts';

export const REVIEW_HELP = `simpul-runner review: results held for the data owner's review (dataset policy release: review).

Usage:
  simpul-runner review --config FILE                      list held results, oldest first
  simpul-runner review --config FILE --show TASK_ID       print exactly what would leave this machine
  simpul-runner review --config FILE --approve TASK_ID    release it: the running runner sends it to the hub
  simpul-runner review --config FILE --deny TASK_ID [--reason TEXT]
                                                          refuse it: the task fails with release_denied (and the reason)

A held result waits on disk (next to the state file, in <state>.disclosure/held/) until it is approved, denied, or its
review_ttl runs out (the task then fails with release_expired). A restart of the runner keeps it. Decisions are
written to the audit log by the running runner when it acts on them.

Flags:
  -c, --config FILE   the runner's config (its state file says where held results are)
      --state FILE    the runner's state file, when it is not the default <config>.state.json
      --json          list (or show) as JSON, for scripts
      --reason TEXT   with --deny: told to the analyst as the task's error

Exit codes: 0 done (or nothing held), 1 no held result with that task id (or it expired), 2 bad flags.

Examples:
  simpul-runner review --config runner.yaml
  simpul-runner review --config runner.yaml --show tsk_01J…
  simpul-runner review --config runner.yaml --deny tsk_01J… --reason "groups too fine for this cohort"
`;

const PREVIEW_CHARS = 400;

export function describeHeld(h: HeldResult, now = Date.now()): string {
  const what = `op ${h.op} ${OP_NAMES[h.op as keyof typeof OP_NAMES] ?? ''}`.trim();
  const params = h.params as { analysis?: unknown; format?: unknown };
  const detail =
    typeof params.analysis === 'string'
      ? ` ${params.analysis}`
      : typeof params.format === 'string'
        ? ` ${params.format}`
        : '';
  const left = Math.round((Date.parse(h.expires_at) - now) / 1000);
  const expires = left > 0 ? `expires in ${ago(new Date(now - left * 1000).toISOString(), now)}` : 'expired';
  const preview = JSON.stringify(h.result);
  return [
    `${h.task_id}  ${what}${detail} on ${h.dataset ?? '-'}  by ${h.analyst ?? 'unknown analyst'}  held ${ago(h.held_at, now)} ago, ${expires}`,
    `    ${preview.length > PREVIEW_CHARS ? `${preview.slice(0, PREVIEW_CHARS)}… (${preview.length} chars; --show for all)` : preview}`,
    ...(h.file
      ? [`    with file ${h.file.filename} (${h.file.bytes} bytes, ${h.file.rows ?? '?'} rows): ${h.file.path}`]
      : []),
  ].join('\n');
}

export async function reviewCommand(argv: string[], out = (t: string) => process.stdout.write(t)): Promise<ExitCode> {
  const values = parseFlags('review', argv, {
    config: { type: 'string', short: 'c' },
    state: { type: 'string' },
    show: { type: 'string' },
    approve: { type: 'string' },
    deny: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(REVIEW_HELP);
    return EXIT.ok;
  }
  const actions = [values.show, values.approve, values.deny].filter((v) => v !== undefined);
  if (actions.length > 1) {
    out('simpul-runner review: one of --show, --approve, --deny at a time\n');
    return EXIT.usage;
  }
  if (values.reason !== undefined && values.deny === undefined) {
    out('simpul-runner review: --reason goes with --deny\n');
    return EXIT.usage;
  }
  const state = statePathOf(values);
  if (!state) {
    out('simpul-runner review: say which runner: --config FILE (or --state FILE)\n');
    return EXIT.usage;
  }
  const store = new HeldStore(disclosurePaths(state).held);
  const now = Date.now();
  const find = (id: string): HeldResult | null => {
    let h: HeldResult | null = null;
    try {
      h = store.get(id);
    } catch {
      /* not a task id */
    }
    if (!h) out(`no result of task ${id} is held here (see simpul-runner review --config … for the list)\n`);
    else if (Date.parse(h.expires_at) <= now) {
      out(`the review time of task ${id} ran out at ${h.expires_at}; the runner fails it with release_expired\n`);
      return null;
    }
    return h;
  };

  if (values.show !== undefined) {
    const h = find(values.show);
    if (!h) return EXIT.failure;
    out(
      values.json
        ? `${JSON.stringify(h, null, 2)}\n`
        : `${describeHeld(h, now).split('\n')[0]}\nparams: ${JSON.stringify(h.params, null, 2)}\nresult: ${JSON.stringify(h.result, null, 2)}\n${h.file ? `file: ${h.file.path} (${h.file.bytes} bytes)\n` : ''}`,
    );
    return EXIT.ok;
  }
  const decided = values.approve ?? values.deny;
  if (decided !== undefined) {
    const h = find(decided);
    if (!h) return EXIT.failure;
    const reason = values.reason?.trim();
    store.decide(h.task_id, {
      decision: values.approve !== undefined ? 'approve' : 'deny',
      ...(reason ? { reason } : {}),
      at: new Date(now).toISOString(),
    });
    out(
      values.approve !== undefined
        ? `approved: task ${h.task_id} is released by the running runner\n`
        : `denied: task ${h.task_id} fails with release_denied${reason ? ` (${reason})` : ''}\n`,
    );
    return EXIT.ok;
  }

  const held = store.list();
  if (values.json) {
    out(
      `${JSON.stringify(
        held.map((h) => ({ ...h, decision: store.decision(h.task_id) })),
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  if (!held.length) {
    out('no results are held for review\n');
    return EXIT.ok;
  }
  out(`${held.length} result${held.length === 1 ? '' : 's'} held for review:\n`);
  for (const h of held) {
    const d = store.decision(h.task_id);
    out(
      `${describeHeld(h, now)}${d ? `\n    decided: ${d.decision} at ${d.at}, waiting for the running runner` : ''}\n`,
    );
  }
  return EXIT.ok;
}
