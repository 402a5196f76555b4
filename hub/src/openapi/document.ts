// The OpenAPI 3.1 document of the hub, built from the route table (ROUTES) and the protocol's zod schemas.
import { API_PREFIX, ErrorBody, PROTOCOL_VERSION, ROUTES, type Caller, type RouteSpec } from '@simpul/protocol';
import type { z } from 'zod';
import { SESSION_COOKIE } from '../auth/caller.ts';
import { Components, type JsonSchema } from './components.ts';

export type OpenApi = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
  tags: { name: string; description: string }[];
};

export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  'x-callers': Caller[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** What a route's entry in ROUTES leaves out; the OpenAPI test reports these. */
export interface Gap {
  route: string;
  missing: 'response' | 'body';
}

const TAGS: Record<string, string> = {
  Runners: 'The runner protocol: enrolment, heartbeats, claiming work, progress and results (runner tokens).',
  Tasks: 'Analysts create, list, read and cancel tasks and read their results.',
  Service: 'Probes, metrics and this description, for operators and load balancers.',
};

const openSchema: JsonSchema = { description: 'not described yet' };
const errorContent = (c: Components) => ({ 'application/json': { schema: c.ref(ErrorBody, 'output') } });

/** `/api/v1/tasks/:task_id` → `/api/v1/tasks/{task_id}` (and Hono's `:id{regex}` → `{id}`). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

const callersOf = (spec: RouteSpec): Caller[] => (Array.isArray(spec.caller) ? spec.caller : [spec.caller as Caller]);
const many = <T>(x: T | readonly T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T]);

function tagOf(key: string, spec: RouteSpec): string {
  if (!spec.path.startsWith(`${API_PREFIX}/`) || key === 'openapi') return 'Service';
  const callers = callersOf(spec);
  if (callers[0] === 'runner' || key === 'register') return 'Runners';
  const segment = spec.path.slice(API_PREFIX.length + 1).split('/')[0];
  if (segment === 'tasks' || segment === 'result') return 'Tasks';
  return segment.charAt(0).toUpperCase() + segment.slice(1).replace(/-/g, ' ');
}

function security(spec: RouteSpec): Record<string, string[]>[] {
  const callers = callersOf(spec);
  if (callers.includes('public')) return [];
  // Runners use their token; users their session (bearer or cookie) or a personal API token.
  return callers.every((c) => c === 'runner') ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, { sessionCookie: [] }];
}

/** Query parameters from one object schema or several (one per caller): required only where every caller needs it. */
function queryParameters(c: Components, spec: RouteSpec): Parameter[] {
  const shapes = many(spec.query).map((q) => c.resolve(c.ref(q, 'input'), 'input'));
  const callers = callersOf(spec);
  const names = new Map<string, { schemas: Map<string, JsonSchema>; required: number; callers: Caller[] }>();
  shapes.forEach((shape, i) => {
    const props = (shape.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((shape.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const entry = names.get(name) ?? { schemas: new Map<string, JsonSchema>(), required: 0, callers: [] as Caller[] };
      entry.schemas.set(JSON.stringify(schema), schema);
      if (required.has(name)) entry.required++;
      if (callers[i]) entry.callers.push(callers[i]);
      names.set(name, entry);
    }
  });
  return [...names].map(([name, e]) => ({
    name,
    in: 'query' as const,
    required: e.required === shapes.length,
    ...(shapes.length > 1 && e.callers.length < shapes.length
      ? { description: `only for ${e.callers.join(', ')} callers` }
      : {}),
    // The same name may mean different ranges for different callers (limit: 50 for runners, 500 for users).
    schema: e.schemas.size === 1 ? [...e.schemas.values()][0] : { anyOf: [...e.schemas.values()] },
  }));
}

function pathParameters(c: Components, spec: RouteSpec): Parameter[] {
  return [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({
    name,
    in: 'path' as const,
    required: true,
    schema: spec.params?.[name] ? c.ref(spec.params[name], 'input') : { type: 'string' },
  }));
}

function jsonOf(c: Components, schemas: z.ZodType[], io: 'input' | 'output'): JsonSchema {
  const refs = schemas.map((s) => c.ref(s, io));
  return refs.length === 1 ? refs[0] : { oneOf: refs };
}

function operation(c: Components, key: string, spec: RouteSpec, gaps: Gap[]): Operation {
  const op: Operation = {
    operationId: key,
    summary: spec.summary,
    tags: [tagOf(key, spec)],
    security: security(spec),
    responses: {},
    'x-callers': callersOf(spec),
  };
  const parameters = [...pathParameters(c, spec), ...queryParameters(c, spec)];
  if (parameters.length) op.parameters = parameters;

  if (spec.method === 'POST' || spec.method === 'PUT') {
    if (spec.body === undefined) gaps.push({ route: key, missing: 'body' });
    if (spec.body === 'binary')
      op.requestBody = {
        required: true,
        content: {
          'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
        },
      };
    else if (spec.body !== null)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: spec.body ? c.ref(spec.body, 'input') : openSchema } },
      };
  }

  const status = String(spec.status ?? 200);
  const response = spec.response;
  if (response === undefined) gaps.push({ route: key, missing: 'response' });
  const content: Record<string, { schema: JsonSchema }> =
    response === 'text'
      ? { 'text/plain': { schema: { type: 'string' } } }
      : response === 'html'
        ? { 'text/html': { schema: { type: 'string' } } }
        : response === 'binary'
          ? { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } }
          : {
              'application/json': { schema: response === undefined ? openSchema : jsonOf(c, many(response), 'output') },
            };
  op.responses[status] = status === '204' ? { description: 'done' } : { description: 'success', content };
  for (const [code, schema] of Object.entries(spec.otherResponses ?? {})) {
    op.responses[code] = {
      description: `status ${code}`,
      content: { 'application/json': { schema: c.ref(schema, 'output') } },
    };
  }
  const errors = errorContent(c);
  op.responses['4XX'] ??= {
    description: 'the request was refused: { "error": { "code", "message", "details"? } }',
    content: errors,
  };
  op.responses['5XX'] ??= { description: 'the hub failed or is shutting down', content: errors };
  return op;
}

/** The document, and the routes whose entry in ROUTES does not describe their body or reply yet. */
export function buildOpenApi(
  version: string,
  routes: Record<string, RouteSpec> = ROUTES,
): { doc: OpenApi; gaps: Gap[] } {
  const c = new Components();
  const gaps: Gap[] = [];
  const paths: OpenApi['paths'] = {};
  for (const [key, spec] of Object.entries(routes)) {
    const path = openApiPath(spec.path);
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(c, key, spec, gaps);
  }
  const used = new Set(Object.values(paths).flatMap((p) => Object.values(p).flatMap((o) => o.tags)));
  const doc: OpenApi = {
    openapi: '3.1.0',
    info: {
      title: 'Simpul hub API',
      version,
      description:
        `Analyse data where it lives. Runners speak protocol ${PROTOCOL_VERSION}; every error body is ` +
        '`{ "error": { "code", "message", "details"? } }`. Send `x-request-id` to follow a request through hub and runner logs. ' +
        'Socket.IO events and the task lifecycle are described in protocol/PROTOCOL.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [...used].sort().map((name) => ({ name, description: TAGS[name] ?? `${name} endpoints` })),
    paths,
    components: {
      schemas: c.schemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A runner token (smr_…), a session token from login (sms_…) or a personal API token (smp_…)',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'The web app’s session cookie; changes must come with a matching Origin',
        },
      },
    },
  };
  return { doc, gaps };
}
