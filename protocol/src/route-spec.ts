// The shape of one HTTP route in the API's table (routes.ts): method, path, who may call it, and what it takes and gives.
import type { z } from 'zod';

export type Caller = 'public' | 'runner' | 'user' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string; // Hono style, `:param`
  caller: Caller | Caller[];
  summary: string;
  // What the OpenAPI document says about the route (GET /api/v1/openapi.json). A route without `response`, or a
  // POST/PUT without `body`, is still listed (with an open schema), and the hub's OpenAPI test names it.
  /** JSON body; `null`: the route takes no body; 'binary': raw bytes (application/octet-stream). */
  body?: z.ZodType | null | 'binary';
  /** Query string as an object schema; several: one per caller (e.g. runner and user), in `caller` order. */
  query?: z.ZodType | readonly z.ZodType[];
  /** Path parameters by name; a parameter not listed here is a plain string. */
  params?: Record<string, z.ZodType>;
  /** The success reply: a JSON schema, several (one per caller or body shape), a text or HTML page, or raw bytes. */
  response?: z.ZodType | readonly z.ZodType[] | 'text' | 'html' | 'binary';
  /** The success status; default 200. */
  status?: 200 | 201 | 204;
  /** Other statuses whose body is not the usual error body, e.g. 503 from /readyz. */
  otherResponses?: Record<number, z.ZodType>;
}

type RouteMore = Omit<RouteSpec, 'method' | 'path' | 'caller' | 'summary'>;

/** One row of a route table; the literal method and path stay in the type (Hono and the clients read them). */
export function route<
  const M extends RouteSpec['method'],
  const P extends string,
  const C extends RouteSpec['caller'],
  const X extends RouteMore,
>(
  method: M,
  path: P,
  caller: C,
  summary: string,
  more: X = {} as X,
): { method: M; path: P; caller: C; summary: string } & X {
  return { method, path, caller, summary, ...more };
}
