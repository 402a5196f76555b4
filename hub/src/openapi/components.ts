// JSON Schemas for the OpenAPI document, generated from every zod schema the protocol exports (z.toJSONSchema).
import * as protocol from '@simpul/protocol';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;
export type Io = 'input' | 'output';

const PREFIX = '#/components/schemas/';
const SHARED = '__shared';

function isZod(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' &&
    value !== null &&
    '_zod' in value &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/** Deep copy with every `$ref` string passed through `map`; `$schema` and `$id` are dropped (the document has its own). */
function mapRefs(node: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => mapRefs(n, map));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || k === '$id') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? map(v) : mapRefs(v, map);
  }
  return out;
}

function refsIn(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) refsIn(n, into);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(PREFIX)) into.add(v.slice(PREFIX.length));
      else refsIn(v, into);
    }
  }
  return into;
}

/**
 * zod puts schemas that are reused but not named (e.g. the inside of a z.lazy) under `__shared#/$defs/x`. Each becomes
 * a component of its own: named after the exported schema that is nothing but a reference to it, or `Shared_x`.
 */
function hoistShared(raw: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const shared = (raw[SHARED]?.$defs ?? {}) as Record<string, JsonSchema>;
  const names = new Map<string, string>();
  for (const def of Object.keys(shared)) {
    const ref = `${PREFIX}${SHARED}#/$defs/${def}`;
    const alias = Object.keys(raw)
      .sort()
      .find(
        (n) =>
          n !== SHARED &&
          raw[n].$ref === ref &&
          Object.keys(raw[n]).every((k) => ['$ref', '$schema', '$id'].includes(k)),
      );
    names.set(ref, alias ?? `Shared_${def}`);
  }
  const rename = (ref: string) => (names.has(ref) ? PREFIX + names.get(ref) : ref);
  const out: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(raw))
    if (name !== SHARED) out[name] = mapRefs(schema, rename) as JsonSchema;
  for (const [ref, name] of names)
    out[name] = mapRefs(shared[ref.slice(ref.lastIndexOf('/') + 1)], rename) as JsonSchema;
  return out;
}

export class Components {
  private readonly registry = z.registry<{ id: string }>();
  private readonly output: Record<string, JsonSchema>;
  private readonly input: Record<string, JsonSchema>;
  /** Components whose request (input) form differs from the reply (output) form, e.g. because of defaults. */
  private readonly split = new Set<string>();
  private readonly used = new Set<string>();

  constructor(exports: Record<string, unknown> = protocol) {
    // The namespace's keys are sorted, so a schema exported under two names (Id, TaskId) always gets the same one.
    for (const [name, value] of Object.entries(exports))
      if (isZod(value) && !this.registry.has(value)) this.registry.add(value, { id: name });
    const generate = (io: Io) => {
      const { schemas } = z.toJSONSchema(this.registry, {
        target: 'draft-2020-12',
        io,
        unrepresentable: 'any',
        uri: (id) => PREFIX + id,
      });
      return hoistShared(schemas as Record<string, JsonSchema>);
    };
    this.output = generate('output');
    this.input = generate('input');
    // A component needs its own input form when it differs itself or refers to one that does (until nothing changes).
    for (const name of Object.keys(this.input))
      if (JSON.stringify(this.input[name]) !== JSON.stringify(this.output[name])) this.split.add(name);
    for (let grew = true; grew; ) {
      grew = false;
      for (const name of Object.keys(this.input)) {
        if (this.split.has(name)) continue;
        if ([...refsIn(this.input[name])].some((r) => this.split.has(r))) {
          this.split.add(name);
          grew = true;
        }
      }
    }
  }

  private nameOf(name: string, io: Io): string {
    return io === 'input' && this.split.has(name) ? `${name}Input` : name;
  }

  /** The schema of `schema` as a reference to a component (exported schemas) or inline (anything else). */
  ref(schema: z.ZodType, io: Io): JsonSchema {
    const id = this.registry.get(schema)?.id;
    if (id) {
      this.use(id, io);
      return { $ref: PREFIX + this.nameOf(id, io) };
    }
    const inline = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    return mapRefs(inline, (r) => r) as JsonSchema;
  }

  /** The component body (for reading properties, e.g. of a query object). */
  resolve(node: JsonSchema, io: Io): JsonSchema {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !ref.startsWith(PREFIX)) return node;
    const name = ref.slice(PREFIX.length).replace(/Input$/, '');
    const body = (io === 'input' ? this.input : this.output)[name];
    return body ? this.resolve(this.localise(body, io), io) : node;
  }

  private localise(body: JsonSchema, io: Io): JsonSchema {
    if (io === 'output') return body;
    return mapRefs(body, (r) =>
      r.startsWith(PREFIX) ? PREFIX + this.nameOf(r.slice(PREFIX.length), 'input') : r,
    ) as JsonSchema;
  }

  private use(name: string, io: Io): void {
    const key = this.nameOf(name, io);
    if (this.used.has(key)) return;
    this.used.add(key);
    const body = (io === 'input' ? this.input : this.output)[name];
    if (!body) return;
    for (const r of refsIn(body)) this.use(r, io);
  }

  /** Every component referenced so far, and those they refer to. */
  schemas(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const key of [...this.used].sort()) {
      const input = key.endsWith('Input') && this.split.has(key.slice(0, -'Input'.length));
      const name = input ? key.slice(0, -'Input'.length) : key;
      const body = (input ? this.input : this.output)[name];
      if (body) out[key] = this.localise(body, input ? 'input' : 'output');
    }
    return out;
  }
}
