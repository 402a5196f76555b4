// Routes for federated studies: start one, list them, read one (rounds × runners, combined result), export its
// result as a file, cancel one.
import type { Hono } from 'hono';
import { ROUTES, StudyCreate, StudyExportQuery, StudyListQuery, type StudyList } from '@simpul/protocol';
import { limitsOf } from '../auth/limits.ts';
import { cancelStudy } from '../studies/cancel.ts';
import { studyDriverOf } from '../studies/driver.ts';
import { studyFile } from '../studies/export.ts';
import { createStudy } from '../studies/fan-out.ts';
import { listStudies } from '../studies/store.ts';
import { studySummary, studyView } from '../studies/views.ts';
import { isAdmin, requireUser } from './guards/caller.ts';
import { visibleStudy } from './guards/study.ts';
import type { HubEnv } from './env.ts';
import { readBody, readQuery } from './parse.ts';

export function studyRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.createStudy.path, async (c) => {
    const user = await requireUser(c);
    const hub = c.get('hub');
    const body = await readBody(c, StudyCreate);
    // Each sub-task of round 1 counts toward the analyst's tasks per minute, as a batch of tasks would.
    const admit = (n: number) => (user.user.role === 'admin' ? undefined : limitsOf(hub).tasks.take(user.user.id, n));
    const created = await createStudy(hub, body, user.user, Date.now(), admit);
    hub.log.info('study created', {
      study_id: created.study_id,
      dataset: body.dataset,
      analysis: body.analysis,
      require: body.require,
    });
    studyDriverOf(hub)?.changed(created.study_id);
    return c.json(created, 201);
  });

  app.get(ROUTES.listStudies.path, async (c) => {
    const user = await requireUser(c);
    const q = readQuery(c, StudyListQuery);
    const rows = await listStudies(c.get('hub').db, q, isAdmin(user) ? undefined : user.user.id);
    const reply: StudyList = { studies: rows.map(studySummary) };
    return c.json(reply);
  });

  app.get(ROUTES.getStudy.path, async (c) => {
    const user = await requireUser(c);
    const row = await visibleStudy(c, user);
    return c.json(await studyView(c.get('hub').db, row));
  });

  app.get(ROUTES.exportStudy.path, async (c) => {
    const user = await requireUser(c);
    const row = await visibleStudy(c, user);
    const { format } = readQuery(c, StudyExportQuery);
    const file = await studyFile(await studyView(c.get('hub').db, row), format);
    return c.body(file.bytes, 200, {
      'content-type': file.content_type,
      'content-disposition': `attachment; filename="${file.filename}"`,
      'cache-control': 'private, no-store',
    });
  });

  app.post(ROUTES.cancelStudy.path, async (c) => {
    const user = await requireUser(c);
    const hub = c.get('hub');
    const row = await visibleStudy(c, user);
    const reply = await cancelStudy(hub, row, user.user.username);
    studyDriverOf(hub)?.changed(row.id);
    return c.json(reply);
  });
}
