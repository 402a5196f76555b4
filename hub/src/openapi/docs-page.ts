// The API reference at /api/docs: one self-contained page rendered on the server from the OpenAPI document; no scripts.
import { createHash } from 'node:crypto';
import type { Operation, OpenApi, Parameter } from './document.ts';
import { anchor, esc, prose, schemaHtml, typeHtml } from './schema-html.ts';

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#fbfcfd}
header,main{max-width:72rem;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem;border-bottom:1px solid #dde3ea}
h1{margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:1px solid #dde3ea}h3{margin:0;font-size:1.05rem}
code{font:13px ui-monospace,monospace;background:#eef2f6;padding:0 .25rem;border-radius:3px}
a{color:#1a5fb4}nav ul{columns:3;padding-left:1.2rem}
.op{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:1rem;margin:1rem 0}
.m{display:inline-block;min-width:4rem;font:bold 12px ui-monospace,monospace;padding:.15rem .4rem;border-radius:3px;color:#fff;text-align:center}
.GET{background:#2a7d4f}.POST{background:#1a5fb4}.PUT{background:#9a6700}.DELETE{background:#b42318}
.auth,.opt,.note{color:#5b6675;font-size:13px}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #e3e8ee;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f6f9;font-weight:600}table table{margin:.3rem 0}
.schema{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
`;

/** The page's own Content-Security-Policy: no scripts at all, and only this page's stylesheet. */
export const DOCS_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; script-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const METHODS = ['get', 'post', 'put', 'delete'] as const;

function who(op: Operation): string {
  const callers = op['x-callers'];
  if (callers.includes('public')) return 'no credentials';
  const names = {
    runner: 'runner token',
    user: 'user session or API token',
    admin: 'admin session or API token',
    public: '',
  };
  return callers.map((c) => names[c]).join(' · ');
}

function parametersHtml(params: Parameter[] | undefined): string {
  if (!params?.length) return '';
  const rows = params.map(
    (p) =>
      `<tr><td><code>${esc(p.name)}</code>${p.required ? '' : ' <span class="opt">optional</span>'}</td><td>${p.in}</td><td>${typeHtml(p.schema)}</td><td>${esc(p.description ?? '')}</td></tr>`,
  );
  return `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function contentHtml(content: Record<string, { schema: Record<string, unknown> }> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([type, { schema }]) => (type === 'application/json' ? typeHtml(schema) : `<code>${esc(type)}</code>`))
    .join(' ');
}

function operationHtml(method: string, path: string, op: Operation): string {
  const body = op.requestBody ? `<h4>Body</h4><p>${contentHtml(op.requestBody.content)}</p>` : '';
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `<tr><td>${esc(status)}</td><td>${esc(r.description)}</td><td>${contentHtml(r.content)}</td></tr>`,
    )
    .join('');
  return `<section class="op" id="op-${esc(op.operationId)}">
<h3><span class="m ${method.toUpperCase()}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p>${prose(op.summary)} <span class="auth">— ${esc(who(op))}</span></p>
${parametersHtml(op.parameters)}${body}
<h4>Responses</h4><table><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead><tbody>${responses}</tbody></table>
</section>`;
}

export function renderDocsPage(doc: OpenApi, specUrl: string): string {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const tags = doc.tags.filter((t) => byTag.has(t.name));
  const nav = tags
    .map((t) => `<li><a href="#tag-${esc(t.name)}">${esc(t.name)}</a></li>`)
    .concat('<li><a href="#schemas">Schemas</a></li>')
    .join('');
  const sections = tags
    .map(
      (t) =>
        `<h2 id="tag-${esc(t.name)}">${esc(t.name)}</h2><p>${esc(t.description)}</p>${byTag
          .get(t.name)!
          .map((o) => operationHtml(o.method, o.path, o.op))
          .join('\n')}`,
    )
    .join('\n');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section class="schema" id="${anchor(name)}"><h3>${esc(name)}</h3>${schemaHtml(s)}</section>`)
    .join('\n');
  const info = doc.info as { title: string; version: string; description?: string };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(info.title)}</h1><p>Version ${esc(info.version)} · OpenAPI ${esc(doc.openapi)} · <a href="${esc(specUrl)}">openapi.json</a></p>
<p>${prose(info.description ?? '')}</p><nav><ul>${nav}</ul></nav></header>
<main>${sections}<h2 id="schemas">Schemas</h2>${schemas}</main></body></html>
`;
}
