/**
 * GET /openapi.json: the OpenAPI 3.1 document of the public routes, generated from their
 * declarations (routes.ts) and the schemas their requests are checked with, so that what
 * is validated and what is documented cannot differ. Error answers are grouped by status,
 * each naming the codes the route may answer with it (statuses from ERROR_CATALOGUE).
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../../common/errors.js';
import { packageVersion } from '../../common/version.js';
import { SECRET_HEADER } from '../../common/wire.js';
import { components as answerSchemas, watchEvent } from '../schema/answers.js';
import { codesOf, type Schema } from '../schema/check.js';
import { batchBody, keySchema, putBody, type Parameter } from '../schema/requests.js';
import { docsPage, type OpenApiDoc, type Operation } from './docs-page.js';
import { routes, type RouteSpec } from './routes.js';

const schemas: Readonly<Record<string, Schema>> = { ...answerSchemas, Key: keySchema, PutBody: putBody, BatchBody: batchBody };
const names = new Map(Object.entries(schemas).map(([name, schema]) => [schema, name]));
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
type Responses = Operation['responses'];

/** `schema` as emitted: a named schema anywhere inside becomes a reference to its component. */
export function emit(schema: Schema, root = false): Schema {
  const name = names.get(schema);
  if (name !== undefined && !root) return ref(name);
  const out: Record<string, unknown> = { ...schema };
  const map = (s: Schema) => emit(s);
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, map(s)]));
  if (schema.items) out.items = map(schema.items);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = map(schema.additionalProperties);
  if (schema.not) out.not = map(schema.not);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) if (schema[key]) out[key] = schema[key].map(map);
  return out;
}

const paramCodes = (param: Parameter): ErrorCode[] =>
  [...Object.values(param['x-errors'] ?? {}).map((spec) => spec.code), ...codesOf(param.schema)];

/** Every code `spec`'s route may answer with: its parameters' and body's refusals, its own, and INTERNAL. */
export function codesOfRoute(spec: RouteSpec): ErrorCode[] {
  return [...new Set([...(spec.params ?? []).flatMap(paramCodes), ...codesOf(spec.body), ...spec.codes, 'INTERNAL' as const])];
}

function errorAnswers(codes: ErrorCode[]): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, those]) => [String(status), {
    description: those.join(', '),
    content: {
      'application/json': {
        schema: { allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: those } } } } }] } satisfies Schema,
      },
    },
  }]));
}

function answerOf(spec: RouteSpec): Responses {
  const answer = spec.answer;
  if (answer === undefined) return {};
  if (answer === 'events') {
    return {
      200: {
        description: 'server-sent events: a comment `: watching` once live, then `event: change` (data: WatchEvent) per change; `event: error` (data: Error) before the stream ends on failure',
        content: { 'text/event-stream': { schema: { type: 'string' }, 'x-events': { change: emit(watchEvent), error: ref('Error') } } },
      },
    };
  }
  if ('mediaType' in answer) return { 200: { description: answer.description, content: { [answer.mediaType]: { schema: { type: 'string' } } } } };
  return { 200: { description: answer.description ?? spec.summary, content: { 'application/json': { schema: emit(answer) } } } };
}

function operation(name: string, spec: RouteSpec): Operation {
  return {
    operationId: name,
    summary: spec.summary,
    ...(spec.params ? { parameters: spec.params.map((param) => ({ ...param, schema: emit(param.schema) })) } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: emit(spec.body) } } } } : {}),
    responses: { ...answerOf(spec), ...errorAnswers(codesOfRoute(spec)) },
    ...(spec.secret ? { security: [{}, { secret: [] }] } : {}),
  };
}

/** The path as OpenAPI writes it: `/kv/{key}` for the router's `/kv/:key`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

let document: OpenApiDoc | undefined;
let html: string | undefined;

/** The page GET /docs answers. */
export const docsHtml = (): string => (html ??= docsPage(openApiDocument()));

export function openApiDocument(): OpenApiDoc {
  if (document) return document;
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [name, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    (paths[openApiPath(spec.path)] ??= {})[spec.method.toLowerCase()] = operation(name, spec);
  }
  document = {
    openapi: '3.1.0',
    info: {
      title: 'chordkv',
      version: packageVersion(),
      description: 'A distributed key-value store on a Chord ring. Every node serves this API. Errors are {"error": {"code", "message"}}; '
        + 'a wrong method answers 405 METHOD_NOT_ALLOWED with an Allow header, an unknown path 404 NOT_FOUND. '
        + 'x-error and x-errors in a schema name the code (and message) a value failing it is refused with; '
        + 'x-maxBytes limits a string\'s UTF-8 bytes; x-wellFormed refuses lone surrogates.',
    },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, emit(schema, true)])),
      securitySchemes: { secret: { type: 'apiKey', in: 'header', name: SECRET_HEADER, description: 'the cluster secret, when the nodes run with --secret' } },
    },
  };
  return document;
}
