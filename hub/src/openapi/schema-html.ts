// JSON Schemas as readable HTML: type expressions with links to named schemas, and field tables for objects.
import type { JsonSchema } from './components.ts';

const REF = '#/components/schemas/';

export function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** Text with `code` spans, as in the route summaries and the document's description. */
export const prose = (text: string) => esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');

export const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function refLink(ref: string): string {
  const name = ref.startsWith(REF) ? ref.slice(REF.length) : ref;
  return `<a href="#${anchor(name)}"><code>${esc(name)}</code></a>`;
}

const literal = (v: unknown) => `<code>${esc(JSON.stringify(v))}</code>`;

/** min/max, lengths, patterns and defaults, in words. */
function constraints(s: JsonSchema): string[] {
  const out: string[] = [];
  const add = (key: string, text: (v: unknown) => string) => {
    // zod's integers carry ±MAX_SAFE_INTEGER as bounds: not worth a word
    if (s[key] !== undefined && Math.abs(Number(s[key])) !== Number.MAX_SAFE_INTEGER) out.push(text(s[key]));
  };
  add('minimum', (v) => `≥ ${v}`);
  add('exclusiveMinimum', (v) => `> ${v}`);
  add('maximum', (v) => `≤ ${v}`);
  add('exclusiveMaximum', (v) => `< ${v}`);
  add('minLength', (v) => `at least ${v} characters`);
  add('maxLength', (v) => `at most ${v} characters`);
  add('minItems', (v) => `at least ${v} items`);
  add('maxItems', (v) => `at most ${v} items`);
  add('pattern', (v) => `matches <code>${esc(v)}</code>`);
  add('format', (v) => `format ${esc(v)}`);
  add('default', (v) => `default ${literal(v)}`);
  return out;
}

/** A one-line type: `string`, `Id`, `TaskView[]`, `"queued" | "leased"`, `object` (fields listed separately). */
export function typeHtml(s: JsonSchema | undefined, depth = 0): string {
  if (!s || Object.keys(s).length === 0 || (Object.keys(s).length === 1 && s.description))
    return '<span class="any">any JSON</span>';
  if (typeof s.$ref === 'string') return refLink(s.$ref);
  if (s.const !== undefined) return literal(s.const);
  if (Array.isArray(s.enum)) return s.enum.map(literal).join(' | ');
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[key])) return (s[key] as JsonSchema[]).map((x) => typeHtml(x, depth)).join(' | ');
  }
  if (Array.isArray(s.allOf)) return (s.allOf as JsonSchema[]).map((x) => typeHtml(x, depth)).join(' &amp; ');
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' | ') : (s.type as string | undefined);
  if (type === 'array') {
    const items = s.prefixItems
      ? `[${(s.prefixItems as JsonSchema[]).map((x) => typeHtml(x, depth)).join(', ')}]`
      : `${typeHtml(s.items as JsonSchema, depth)}[]`;
    return items;
  }
  if (type === 'object') {
    if (s.properties && depth < 3) return `object ${fieldsHtml(s, depth + 1)}`;
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      return `map of ${typeHtml(s.additionalProperties as JsonSchema, depth)}`;
    return 'object';
  }
  if (s.type === 'null') return '<code>null</code>';
  return esc(type ?? 'any JSON');
}

/** The fields of an object schema as a table. */
export function fieldsHtml(s: JsonSchema, depth = 0): string {
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const rows = Object.entries(props).map(([name, p]) => {
    const notes = [...constraints(p), ...(p.description ? [esc(p.description)] : [])];
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? '' : ' <span class="opt">optional</span>'}</td><td>${typeHtml(p, depth)}</td><td>${notes.join('; ')}</td></tr>`;
  });
  if (rows.length === 0) return '<em>no fields</em>';
  const extra = s.additionalProperties === false ? '<p class="note">No other fields.</p>' : '';
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>${depth === 0 ? extra : ''}`;
}

/** A named schema's body: a field table for objects, a type line (and constraints) for everything else. */
export function schemaHtml(s: JsonSchema): string {
  if (s.type === 'object' && s.properties) return fieldsHtml(s);
  const notes = constraints(s);
  return `<p>${typeHtml(s)}${notes.length ? ` <span class="note">(${notes.join('; ')})</span>` : ''}</p>`;
}
