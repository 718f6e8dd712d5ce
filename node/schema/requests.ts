/**
 * What users send, declared once: the key in the path, the bodies of PUT /kv/:key and
 * POST /kv/_batch, the queries of GET /kv and GET /watch. The parsers check requests against
 * these objects (schema/check.ts) and GET /openapi.json emits them unchanged.
 */
import type { ErrorCode } from '../../common/errors.js';
import {
  DEFAULT_SCAN_LIMIT, MAX_BATCH_OPS, MAX_KEY_BYTES, MAX_SCAN_LIMIT, MAX_TTL_MS, MAX_VALUE_BYTES, type PutOptions,
} from '../../common/wire.js';
import type { ErrorSpec, Schema } from './check.js';

const err = (code: ErrorCode, message: string): ErrorSpec => ({ code, message });

/** An OpenAPI parameter; `x-errors` say how a missing, repeated or (in the path) badly encoded one is refused. */
export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  description: string;
  schema: Schema;
  'x-errors'?: { required?: ErrorSpec; repeated?: ErrorSpec; encoding?: ErrorSpec };
}

export const keySchema: Schema = {
  type: 'string',
  minLength: 1,
  'x-wellFormed': true,
  'x-maxBytes': MAX_KEY_BYTES,
  description: `a non-empty string of at most ${MAX_KEY_BYTES} bytes of UTF-8, without lone surrogates`,
  'x-error': err('INVALID_KEY', 'the key must be a non-empty string'),
  'x-errors': {
    'x-wellFormed': err('INVALID_KEY', 'the key is not well-formed Unicode (it has a lone surrogate)'),
    'x-maxBytes': err('KEY_TOO_LONG', `the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`),
  },
};

/** Far above any context a ring gives out (base64url of a clock: an entry per coordinator the key's versions name). */
const MAX_CONTEXT_CHARS = 8192;

export const keyParam: Parameter = {
  name: 'key',
  in: 'path',
  required: true,
  description: 'the key, percent-encoded (encodeURIComponent); the raw path segment is decoded exactly once',
  schema: keySchema,
  'x-errors': { encoding: err('INVALID_KEY', 'the key is not valid percent-encoding (encode it with encodeURIComponent)') },
};

/** The body of a PUT (and of a batch's put): the value and its options. */
export type PutBody = { value: string } & PutOptions;

/** Checked in this order: the value first, then the time to live, then the conditions. */
const putFields: { readonly [F in keyof PutBody]-?: Schema } = {
  value: {
    type: 'string',
    'x-maxBytes': MAX_VALUE_BYTES,
    description: `at most ${MAX_VALUE_BYTES} bytes of UTF-8`,
    'x-error': err('INVALID_VALUE', 'the body must be a JSON object {"value": "<string>"}'),
    'x-errors': { 'x-maxBytes': err('VALUE_TOO_LARGE', `the value is larger than ${MAX_VALUE_BYTES} bytes of UTF-8`) },
  },
  ttlMs: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_TTL_MS,
    description: 'time to live: the pair reads as absent this many milliseconds after its head wrote it',
    'x-error': err('INVALID_REQUEST', `ttlMs must be a whole number of milliseconds from 1 to ${MAX_TTL_MS}`),
  },
  context: {
    type: 'string',
    minLength: 1,
    'x-maxBytes': MAX_CONTEXT_CHARS,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'quorum rings: the context a read answered, unchanged; the write supersedes every version that read showed',
    'x-error': err('INVALID_CONTEXT', 'context must be the context a read or write answered, unchanged'),
  },
  ifVersion: {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'compare-and-set: apply only if the key\'s live version is this one (409 VERSION_MISMATCH otherwise)',
    'x-error': err('INVALID_REQUEST', 'ifVersion must be a version as GET answers it (a whole number)'),
  },
  ifAbsent: {
    type: 'boolean',
    description: 'compare-and-set: apply only if the key has no live value',
    'x-error': err('INVALID_REQUEST', 'ifAbsent must be true or false'),
  },
};

const oneCondition: Pick<Schema, 'not' | 'x-errors'> = {
  not: { type: 'object', required: ['ifVersion', 'ifAbsent'], properties: { ifVersion: {}, ifAbsent: { const: true } } },
  'x-errors': { not: err('INVALID_REQUEST', 'give ifVersion or ifAbsent, not both') },
};

export const putBody: Schema = {
  type: 'object',
  properties: putFields,
  required: ['value'],
  ...oneCondition,
  'x-error': err('INVALID_VALUE', 'the body must be a JSON object {"value": "<string>"}'),
};

const opKinds = ['put', 'get', 'delete'] as const;

/** One operation of a batch: key first, then its kind, then (a put) its value and options. */
const batchOp: Schema = {
  type: 'object',
  properties: {
    key: keySchema,
    op: { type: 'string', enum: opKinds, 'x-error': err('INVALID_OP', 'op must be put, get or delete') },
  },
  required: ['key', 'op'],
  oneOf: opKinds.map((kind): Schema => (kind === 'put'
    ? { title: kind, type: 'object', properties: { op: { const: kind }, ...putFields }, required: ['value'], ...oneCondition }
    : { title: kind, type: 'object', properties: { op: { const: kind } } })),
  // As before schemas: an operation that is not an object is read as one without a key.
  'x-error': keySchema['x-error'],
};

const batchError = err('INVALID_REQUEST', `the body must be {"ops": [...]} with 1 to ${MAX_BATCH_OPS} operations`);

export const batchBody: Schema = {
  type: 'object',
  properties: {
    ops: { type: 'array', minItems: 1, maxItems: MAX_BATCH_OPS, items: batchOp, 'x-error': batchError },
  },
  required: ['ops'],
  'x-error': batchError,
};

/** A query parameter, refused when given more than once. */
const query = (name: string, description: string, schema: Schema, required?: ErrorSpec): Parameter => ({
  name,
  in: 'query',
  ...(required ? { required: true } : {}),
  description,
  schema,
  'x-errors': { ...(required ? { required } : {}), repeated: err('INVALID_REQUEST', `give ${name} once`) },
});

/** GET /kv with any of these is a prefix scan (one page); without, it lists every pair. */
export const scanParams: Parameter[] = [
  query('prefix', 'scan the keys that start with this', { type: 'string', default: '' }),
  query('limit', 'pairs per page', {
    type: 'integer',
    minimum: 1,
    maximum: MAX_SCAN_LIMIT,
    default: DEFAULT_SCAN_LIMIT,
    'x-error': err('INVALID_REQUEST', `limit must be a whole number from 1 to ${MAX_SCAN_LIMIT} (got {got})`),
  }),
  query('cursor', 'the cursor the previous page answered', {
    type: 'string',
    pattern: '^[A-Za-z0-9_-]+$',
    'x-error': err('INVALID_REQUEST', 'cursor must be the cursor a previous page answered'),
  }),
];

export const deleteParams: Parameter[] = [
  query('context', 'quorum rings: the context a read answered; the delete supersedes every version that read showed', putFields.context),
];

export const watchParams: Parameter[] = [
  query('prefix', 'watch every key that starts with this', { type: 'string' },
    err('INVALID_REQUEST', 'watch a key (/watch/KEY) or a prefix (/watch?prefix=P)')),
];
