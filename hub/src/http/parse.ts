// Every body and query is parsed with the protocol's schemas; anything else is a 400 that names each problem and its place.
import type { z } from 'zod';
import { badRequest, invalidInput as invalid } from '../errors.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.ts';
import type { Ctx } from './env.ts';

export async function readBody<S extends z.ZodType>(c: Ctx, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw badRequest('the body is not valid JSON (send Content-Type: application/json)');
  }
  // Schemas recurse (filters): a body nested thousands deep would overflow the stack instead of failing validation.
  if (nestedDeeperThan(raw, MAX_JSON_DEPTH))
    throw badRequest(`the body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid('the body does not match the expected shape', parsed.error);
  return parsed.data;
}

export function readQuery<S extends z.ZodType>(c: Ctx, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid('the query does not match the expected shape', parsed.error);
  return parsed.data;
}

export function readParam<S extends z.ZodType>(c: Ctx, name: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.param(name));
  if (!parsed.success) throw invalid(`path parameter ${name} is not valid`, parsed.error);
  return parsed.data;
}
