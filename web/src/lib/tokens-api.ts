// The caller's own personal API tokens (`smp_…`) for curl and scripts: list, create (the secret shown once), revoke.
import { ApiTokenCreated, ApiTokenList } from '@simpul/protocol';
import type { ApiTokenCreate } from '@simpul/protocol';
import { request } from './api.ts';

const anything = { safeParse: (data: unknown) => ({ success: true as const, data }) };

export const tokensApi = {
  list: () => request('GET', '/tokens', ApiTokenList),
  create: (body: ApiTokenCreate) => request('POST', '/tokens', ApiTokenCreated, { body }),
  revoke: (tokenId: string) => request('DELETE', `/tokens/${encodeURIComponent(tokenId)}`, anything),
};

/** Lifetimes offered for a new token or enrolment key; `null`: never expires. */
export const EXPIRY_CHOICES: readonly { label: string; seconds: number | null }[] = [
  { label: '30 days', seconds: 30 * 86_400 },
  { label: '90 days', seconds: 90 * 86_400 },
  { label: '1 year', seconds: 365 * 86_400 },
  { label: 'Never', seconds: null },
];
