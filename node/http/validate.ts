/**
 * Checks of what users send, driven by the route's declaration (routes.ts): the key from the
 * raw path, the query's parameters, the body, each against its schema (schema/requests.ts),
 * in that order. Throws InvalidRequest with the code the failing schema names.
 */
import { InvalidRequest } from '../../common/errors.js';
import type { BatchOp, ScanRequest } from '../../common/wire.js';
import { check, errorOf, failure } from '../schema/check.js';
import { keyParam, scanParams, type Parameter, type PutBody } from '../schema/requests.js';
import { putOptionsOf } from '../rpc/parse.js';
import type { RouteSpec } from './routes.js';

type Query = Record<string, string | string[] | undefined>;

/** A request as its route's schemas accept it: the path's key, the query's parameters (defaults filled in), the body. */
export interface Input {
  key: string;
  query: Record<string, unknown>;
  body: unknown;
}

export function inputOf(spec: RouteSpec, request: { path: string; query: Query; body: unknown }): Input {
  const input: Input = { key: '', query: {}, body: request.body };
  for (const param of spec.params ?? []) {
    if (param.in === 'path') input.key = pathParam(param, request.path.slice(spec.path.indexOf(':')));
    else if (param.in === 'query') {
      const value = queryParam(param, request.query[param.name]);
      if (value !== undefined) input.query[param.name] = value;
    }
  }
  if (spec.body) check(spec.body, request.body);
  return input;
}

/** Decodes the key from the raw (still percent-encoded) path segment, then checks it. */
export function parseKey(rawSegment: string): string {
  return pathParam(keyParam, rawSegment);
}

function pathParam(param: Parameter, raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    const { code, message } = param['x-errors']?.encoding ?? { code: 'INVALID_REQUEST', message: `${param.name} is not valid percent-encoding` };
    throw new InvalidRequest(code, message);
  }
  return check<string>(param.schema, decoded);
}

/** A query parameter given at most once, as its schema's type (numbers from their text), or its default. */
function queryParam(param: Parameter, raw: string | string[] | undefined): unknown {
  const refuse = (which: 'required' | 'repeated') => {
    const { code, message } = param['x-errors']?.[which] ?? { code: 'INVALID_REQUEST', message: `${param.name} is ${which}` };
    return new InvalidRequest(code, message);
  };
  if (Array.isArray(raw)) throw refuse('repeated');
  if (raw === undefined) {
    if (param.required) throw refuse('required');
    return param.schema.default;
  }
  const value = param.schema.type === 'integer' || param.schema.type === 'number' ? Number(raw) : raw;
  const found = failure(param.schema, value);
  if (found) throw errorOf(found, raw);
  return value;
}

/** GET /kv with any of its parameters is a prefix scan; without, it lists every pair. */
export const isScan = (query: Query): boolean => scanParams.some((param) => query[param.name] !== undefined);

/** The prefix scan a checked GET /kv query asks for. */
export function scanOf({ prefix, limit, cursor }: Record<string, unknown>): ScanRequest {
  return { prefix: prefix as string, limit: limit as number, ...(cursor !== undefined ? { cursor: cursor as string } : {}) };
}

type BatchOpBody = ({ op: 'put' } & PutBody) | { op: 'get' | 'delete'; value?: never };

/** The operations of a checked POST /kv/_batch body, with no fields but the ones declared. */
export function batchOf(body: unknown): BatchOp[] {
  return (body as { ops: (BatchOpBody & { key: string })[] }).ops.map((op): BatchOp => (op.op === 'put'
    ? { op: 'put', key: op.key, value: op.value, ...putOptionsOf(op) }
    : { op: op.op, key: op.key }));
}
