/**
 * GET /docs: the OpenAPI document rendered on the server as one plain HTML page (tables of
 * parameters, body fields, answers and error codes). No script, no stylesheet to fetch.
 */
import type { Schema } from '../schema/check.js';

/** What the page reads of the document. */
export interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}
type Media = Record<string, { schema?: Schema; 'x-events'?: Record<string, Schema> }>;
export interface Operation {
  operationId: string;
  summary: string;
  parameters?: { name: string; in: string; required?: boolean; description: string; schema: Schema }[];
  requestBody?: { required?: boolean; content: Media };
  responses: Record<string, { description: string; content?: Media }>;
  security?: unknown[];
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const code = (text: string): string => `<code>${escape(text)}</code>`;
const refName = (schema: Schema): string | undefined => schema.$ref?.split('/').pop();
const link = (name: string): string => `<a href="#schema-${escape(name)}">${escape(name)}</a>`;

/** A one-line description of a schema's type: a link for a named one, constants, enums, unions. */
function typeOf(schema: Schema): string {
  const name = refName(schema);
  if (name !== undefined) return link(name);
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (schema.enum) return schema.enum.map((v) => code(JSON.stringify(v))).join(' | ');
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return `one of ${union.map((s) => s.title ? escape(s.title) : typeOf(s)).join(', ')}`;
  if (schema.allOf) return schema.allOf.map(typeOf).join(' &amp; ');
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  return types.map((t) => (t === 'array' && schema.items ? `array of ${typeOf(schema.items)}` : escape(t))).join(' | ') || 'any';
}

const limits: [keyof Schema, string][] = [
  ['minLength', 'characters ≥'], ['x-maxBytes', 'UTF-8 bytes ≤'], ['minimum', '≥'], ['maximum', '≤'], ['minItems', 'items ≥'],
  ['maxItems', 'items ≤'], ['pattern', 'matches'], ['format', 'format'], ['default', 'default'],
];

function notes(schema: Schema): string {
  const parts = limits.filter(([key]) => schema[key] !== undefined).map(([key, label]) => `${label} ${code(JSON.stringify(schema[key]))}`);
  if (schema['x-wellFormed']) parts.push('no lone surrogates');
  if (schema.not && schema['x-errors']?.not) parts.push(escape(schema['x-errors'].not.message));
  const errors = [schema['x-error'], ...Object.values(schema['x-errors'] ?? {})].flatMap((e) => (e ? [e.code] : []));
  if (errors.length > 0) parts.push(`refused: ${[...new Set(errors)].map(code).join(', ')}`);
  return [schema.description ? escape(schema.description) : '', ...parts].filter(Boolean).join('; ');
}

/** Table rows for a schema's fields, nested ones by dotted name, a union's branches by their titles. */
function rows(schema: Schema, prefix: string, required: boolean): string[] {
  const own = `<tr><td>${prefix ? code(prefix) : '(body)'}</td><td>${typeOf(schema)}</td><td>${required ? 'yes' : ''}</td><td>${notes(schema)}</td></tr>`;
  if (refName(schema) !== undefined) return [own];
  const inner = schema.type === 'array' && schema.items && !refName(schema.items) ? schema.items : schema;
  const at = (name: string) => (inner === schema ? (prefix ? `${prefix}.${name}` : name) : `${prefix}[].${name}`);
  const fields = Object.entries(inner.properties ?? {}).flatMap(([name, field]) => rows(field, at(name), (inner.required ?? []).includes(name)));
  const branches = (inner.oneOf ?? inner.anyOf ?? []).flatMap((branch, i) => (refName(branch) || !branch.properties ? [] : Object.entries(branch.properties)
    .filter(([name]) => !(name in (inner.properties ?? {})))
    .flatMap(([name, field]) => rows(field, `${at(name)} (${branch.title ?? i})`, (branch.required ?? []).includes(name)))));
  return [own, ...fields, ...branches];
}

const table = (head: string[], body: string[]): string =>
  `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${body.join('')}</table>`;
const fieldTable = (schema: Schema): string => table(['field', 'type', 'required', 'notes'], rows(schema, '', true));

function media(content: Media | undefined): string {
  return Object.entries(content ?? {}).map(([type, { schema, 'x-events': events }]) => `<p>${code(type)}</p>`
    + (events ? table(['event', 'data'], Object.entries(events).map(([name, s]) => `<tr><td>${code(name)}</td><td>${typeOf(s)}</td></tr>`)) : '')
    + (schema && type === 'application/json' ? fieldTable(schema) : '')).join('');
}

function operation(method: string, path: string, op: Operation): string {
  const params = op.parameters?.length
    ? `<h4>parameters</h4>${table(['name', 'in', 'type', 'required', 'notes'], op.parameters.map((p) =>
      `<tr><td>${code(p.name)}</td><td>${p.in}</td><td>${typeOf(p.schema)}</td><td>${p.required ? 'yes' : ''}</td><td>${escape(p.description)}</td></tr>`))}`
    : '';
  const body = op.requestBody ? `<h4>request body</h4>${media(op.requestBody.content)}` : '';
  const answers = Object.entries(op.responses);
  const successes = answers.filter(([status]) => status.startsWith('2'))
    .map(([status, answer]) => `<h4>${status}</h4><p>${escape(answer.description)}</p>${media(answer.content)}`);
  const errors = answers.filter(([status]) => !status.startsWith('2'))
    .map(([status, answer]) => `<tr><td>${status}</td><td>${answer.description.split(', ').map(code).join(', ')}</td></tr>`);
  return `<section id="${escape(`${method}-${path}`)}"><h3>${method.toUpperCase()} ${code(path)}</h3><p>${escape(op.summary)}`
    + `${op.security ? ' (with the cluster secret, when the nodes have one)' : ''}</p>${params}${body}`
    + `${successes.join('')}<h4>errors</h4>${table(['status', 'codes'], errors)}</section>`;
}

export function docsPage(doc: OpenApiDoc): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const index = ops.map(({ path, method, op }) =>
    `<li><a href="#${escape(`${method}-${path}`)}">${method.toUpperCase()} ${escape(path)}</a> — ${escape(op.summary)}</li>`).join('');
  const schemas = Object.entries(doc.components.schemas).map(([name, schema]) =>
    `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3>${fieldTable(schema)}</section>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} API</title>
<style>body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}section{border-top:1px solid #888;margin-top:1em}</style>
</head><body><h1>${escape(doc.info.title)} ${escape(doc.info.version)}</h1><p>${escape(doc.info.description ?? '')}</p>
<p>The document itself: <a href="/openapi.json">/openapi.json</a>.</p><h2>Routes</h2><ul>${index}</ul>
${ops.map(({ path, method, op }) => operation(method, path, op)).join('\n')}<h2>Schemas</h2>${schemas}</body></html>`;
}
