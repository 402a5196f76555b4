import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UserRow } from '../db/schema.ts';
import type { Caller } from './caller.ts';
import { CredentialCache } from './credential-cache.ts';

type UserCaller = Extract<Caller, { kind: 'user' }>;

const user = (id: string): UserRow => ({
  id,
  username: id,
  password_hash: 'x',
  role: 'analyst',
  created_at: 0,
  disabled_at: null,
});
const bySession = (userId: string, sessionId: string, expiresAt = 1e15): UserCaller => ({
  kind: 'user',
  user: user(userId),
  sessionId,
  expiresAt,
  via: 'bearer',
});
const byToken = (userId: string, tokenId: string): UserCaller => ({
  kind: 'user',
  user: user(userId),
  tokenId,
  expiresAt: null,
  via: 'bearer',
});

test("kept for the TTL, not past it, and never past the credential's own expiry", () => {
  const c = new CredentialCache(1000);
  c.put('k1', bySession('u1', 's1'), c.epoch, 0);
  c.put('k2', bySession('u1', 's2', 500), c.epoch, 0);
  assert.is(c.get('k1', 999)?.sessionId, 's1');
  assert.is(c.get('k1', 1000), undefined);
  assert.is(c.get('k2', 499)?.sessionId, 's2');
  assert.is(c.get('k2', 500), undefined);
  assert.is(c.size, 0);
});

test('a sign-out drops the credential it names, or everything of the user; others stay', () => {
  const c = new CredentialCache(1000);
  const fill = () => {
    c.put('a-session', bySession('u1', 's1'), c.epoch, 0);
    c.put('a-token', byToken('u1', 't1'), c.epoch, 0);
    c.put('b-session', bySession('u2', 's2'), c.epoch, 0);
  };
  fill();
  c.forget({ credentialId: 's1' });
  assert.equal(
    [c.get('a-session', 1), c.get('a-token', 1)?.tokenId, c.get('b-session', 1)?.sessionId],
    [undefined, 't1', 's2'],
  );
  c.forget({ credentialId: 't1' });
  assert.is(c.get('a-token', 1), undefined);
  fill();
  c.forget({ sessionsOf: 'u1' });
  assert.equal(
    [c.get('a-session', 1), c.get('a-token', 1), c.get('b-session', 1)?.sessionId],
    [undefined, undefined, 's2'],
  );
  fill();
  c.forget({ userId: 'u2' });
  assert.equal([c.get('a-session', 1)?.sessionId, c.get('b-session', 1)], ['s1', undefined]);
});

test('a lookup that began before a sign-out is not kept (it may have read what the sign-out ended)', () => {
  const c = new CredentialCache(1000);
  const began = c.epoch;
  c.forget({ credentialId: 'unrelated' });
  c.put('k', bySession('u1', 's1'), began, 0);
  assert.is(c.get('k', 1), undefined);
  c.put('k', bySession('u1', 's1'), c.epoch, 0);
  assert.is(c.get('k', 1)?.sessionId, 's1');
});

test('holds at most 10,000: the oldest go first', () => {
  const c = new CredentialCache(1000);
  for (let i = 0; i < 10_005; i++) c.put(`k${i}`, bySession('u', `s${i}`), c.epoch, 0);
  assert.is(c.size, 10_000);
  assert.is(c.get('k0', 1), undefined);
  assert.is(c.get('k10004', 1)?.sessionId, 's10004');
});

test.run();
