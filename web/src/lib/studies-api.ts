// The hub's study routes, every reply parsed with the protocol's schemas (see api.ts for the shared request).
import { StudyCancelReply, StudyCreated, StudyList, StudyView } from '@simpul/protocol';
import type { StudyListQuery } from '@simpul/protocol';
import { request } from './api.ts';

const id = (s: string) => encodeURIComponent(s);

function query(q: Partial<Record<keyof StudyListQuery, string | number | undefined>>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export const studiesApi = {
  list: (q: Partial<Record<keyof StudyListQuery, string | number | undefined>> = {}) =>
    request('GET', `/studies${query(q)}`, StudyList),
  get: (studyId: string) => request('GET', `/studies/${id(studyId)}`, StudyView),
  create: (body: unknown) => request('POST', '/studies', StudyCreated, { body }),
  cancel: (studyId: string) => request('POST', `/studies/${id(studyId)}/cancel`, StudyCancelReply),
};
