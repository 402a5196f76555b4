// The OpenAPI document: valid OpenAPI 3.1, every $ref resolves, and every route the hub registers is in it with its schemas.
import { Validator } from '@seriousme/openapi-schema-validator';
import { ROUTES } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestHub, type TestHub } from '../testing/support.ts';
import { buildOpenApi, openApiPath, type OpenApi } from './document.ts';

let hub: TestHub;
let doc: OpenApi;

test.before(async () => {
  hub = await startTestHub();
  const res = await fetch(`${hub.url}/api/v1/openapi.json`);
  assert.is(res.status, 200);
  doc = (await res.json()) as OpenApi;
});
test.after(async () => {
  await hub?.cleanup();
});

test('the document is valid OpenAPI 3.1 (checked against the specification schema)', async () => {
  assert.is(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc as never);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 3000));
});

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

test('every $ref points at a schema in the document', () => {
  const all = refs(doc);
  assert.ok(all.length > 50, 'the schemas are shared by reference');
  const broken = [...new Set(all)].filter((r) => {
    if (!r.startsWith('#/')) return true;
    let at: unknown = doc;
    for (const part of r.slice(2).split('/'))
      at = (at as Record<string, unknown> | undefined)?.[
        decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))
      ];
    return at === undefined;
  });
  assert.equal(broken, [], `unresolved: ${broken.join(', ')}`);
});

test('every operation has a success response with a body description and an error response', () => {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const ok = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      assert.ok(ok.length === 1, `${method} ${path} has one success status`);
      const success = op.responses[ok[0]];
      assert.ok(ok[0] === '204' || success.content, `${method} ${path} describes its reply`);
      assert.ok(op.responses['4XX']?.content?.['application/json'], `${method} ${path} describes its error body`);
    }
  }
});

test('every route the hub registers in Hono is in the document, with request and response schemas', () => {
  // Middleware and catch-alls are registered for every method ('ALL') or for '*': they are not API routes.
  const registered = hub.app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*'));
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const r of registered) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue; // a route with several handlers is listed once per handler
    seen.add(key);
    const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
    if (!op) missing.push(`${key}: not in the document (add it to ROUTES in protocol/src/routes.ts)`);
  }
  assert.ok(seen.size >= Object.keys(ROUTES).length - 2, `the hub registers ${seen.size} routes`);
  assert.equal(missing, [], missing.join('\n'));

  // What ROUTES leaves out: the document lists such a route with an open schema; name each one here.
  const { gaps } = buildOpenApi('test');
  const described = gaps.map((g) => {
    const spec = (ROUTES as Record<string, { method: string; path: string }>)[g.route];
    return `${g.route} (${spec.method} ${spec.path}): no ${g.missing} schema in ROUTES`;
  });
  assert.equal(described, [], `routes without schemas:\n${described.join('\n')}`);
});

test('request bodies and queries use the input form of a schema, replies the output form', () => {
  const claim = doc.paths['/api/v1/tasks'].get;
  const wait = claim.parameters?.find((p) => p.name === 'wait');
  assert.ok(wait && !wait.required, 'wait has a default, so a request may leave it out');
  const limit = claim.parameters?.find((p) => p.name === 'limit');
  assert.ok(limit?.schema.anyOf, 'limit differs between runners (≤ 50) and users (≤ 500)');
  const create = doc.paths['/api/v1/tasks'].post;
  assert.equal(create.requestBody?.content['application/json'].schema, {
    $ref: '#/components/schemas/TaskCreateBodyInput',
  });
  assert.is((create.responses['201']?.content?.['application/json'].schema.oneOf as unknown[] | undefined)?.length, 2);
  assert.equal(doc.paths['/api/v1/tasks/{task_id}'].get.parameters?.[0], {
    name: 'task_id',
    in: 'path',
    required: true,
    schema: { $ref: '#/components/schemas/Id' },
  });
});

test('the API reference page is server-rendered, has no scripts, and brings its own strict CSP', async () => {
  const res = await fetch(`${hub.url}/api/docs`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
  const html = await res.text();
  assert.not.match(html, /<script/i);
  assert.not.match(html, /\son[a-z]+=/i, 'no inline event handlers');
  for (const [key, spec] of Object.entries(ROUTES)) {
    assert.ok(html.includes(`id="op-${key}"`), `${key} has a section`);
    assert.ok(html.includes(`<code>${openApiPath(spec.path)}</code>`), `${spec.path} is shown`);
  }
  assert.ok(html.includes('id="schema-TaskView"') && html.includes('href="#schema-TaskView"'), 'schemas are linked');
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  const { createHash } = await import('node:crypto');
  assert.ok(
    csp.includes(createHash('sha256').update(style).digest('base64')),
    'the CSP allows exactly this stylesheet',
  );
});

test.run();
