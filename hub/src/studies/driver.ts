// Drives running studies: on every change of one of their sub-tasks, and on a periodic sweep (hub restarts, runners
// that went quiet, other hubs' events). One study is stepped at a time per hub; `study:update` goes to the web.
import type { HubToWebEvents } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { stepStudy } from './advance.ts';
import { getStudy, runningStudyIds, studiesOfTasks } from './store.ts';
import { studySummary } from './views.ts';

/** The part of the /web namespace used here: rooms `user:<id>` and `admins` are joined on connection. */
export interface WebRooms {
  to(rooms: string | string[]): {
    emit(event: 'study:update', ...args: Parameters<HubToWebEvents['study:update']>): boolean;
  };
}

export interface StudyDriver {
  /** Step this study soon and tell the web (after a create or cancel through the API). */
  changed(studyId: string): void;
  stop(): Promise<void>;
}

const FLUSH_MS = 20; // coalesce bursts of task events (progress of many sub-tasks) into one lookup

const drivers = new WeakMap<HubContext, StudyDriver>();

/** The driver started for this hub, if any (routes use it to react at once instead of at the next sweep). */
export const studyDriverOf = (ctx: HubContext): StudyDriver | undefined => drivers.get(ctx);

export function startStudies(ctx: HubContext, web?: WebRooms): StudyDriver {
  const taskIds = new Set<string>();
  const due = new Set<string>(); // studies to step
  const touched = new Set<string>(); // studies whose sub-tasks changed: the web hears about them even if the step changes nothing
  let timer: NodeJS.Timeout | undefined;
  let loop: Promise<void> | undefined;
  let stopped = false;
  // Whether any study may be running: while none is, task events cost nothing here (the sweep looks again).
  let active = true;
  let generation = 0; // bumped by changed(): a sweep that started before a new study must not switch the lookups off

  const emit = async (id: string) => {
    if (!web) return;
    const row = await getStudy(ctx.db, id);
    if (!row) return;
    web.to(row.created_by ? [`user:${row.created_by}`, 'admins'] : ['admins']).emit('study:update', studySummary(row));
  };

  const work = async () => {
    const ids = [...taskIds];
    taskIds.clear();
    if (ids.length) for (const s of await studiesOfTasks(ctx.db, ids)) due.add(s), touched.add(s);
    while (due.size > 0 && !stopped && !ctx.closing.aborted) {
      const [id] = due;
      due.delete(id);
      const changed = await stepStudy(ctx, id).catch((err) => {
        ctx.log.error('study step failed', { study_id: id, err });
        return false;
      });
      if (changed || touched.delete(id))
        await emit(id).catch((err) => ctx.log.error('study update failed', { study_id: id, err }));
    }
  };

  const run = () => {
    timer = undefined;
    if (loop) {
      schedule(); // a step is in progress: look again right after it
      return;
    }
    loop = work()
      .catch((err) => ctx.log.error('study driver failed', { err }))
      .finally(() => {
        loop = undefined;
      });
  };
  const schedule = () => {
    if (!stopped) timer ??= setTimeout(run, FLUSH_MS);
  };

  const offTasks = ctx.events.on('tasks', (ids) => {
    if (!active) return;
    for (const id of ids) taskIds.add(id);
    schedule();
  });

  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    if (sweeping || stopped) return;
    const gen = generation;
    sweeping = runningStudyIds(ctx.db)
      .then((ids) => {
        active = ids.length > 0 || gen !== generation;
        for (const id of ids) due.add(id);
        schedule();
      })
      .catch((err) => ctx.log.error('study sweep failed', { err }))
      .finally(() => {
        sweeping = undefined;
      });
  };
  const sweeper = setInterval(sweep, ctx.config.studySweepMs);
  sweeper.unref();
  sweep(); // resume studies left running by a restart

  const driver: StudyDriver = {
    changed(id) {
      active = true;
      generation++;
      due.add(id);
      touched.add(id);
      schedule();
    },
    async stop() {
      stopped = true;
      clearInterval(sweeper);
      if (timer) clearTimeout(timer);
      offTasks();
      await sweeping;
      await loop;
      drivers.delete(ctx);
    },
  };
  drivers.set(ctx, driver);
  return driver;
}
