// The hub's dataset route: a dataset name across the sites the user may use, parsed with the protocol's schema.
import { DatasetView } from '@simpul/protocol';
import { request } from './api.ts';

export const datasetsApi = {
  get: (name: string) => request('GET', `/datasets/${encodeURIComponent(name)}`, DatasetView),
};
