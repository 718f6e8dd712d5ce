/**
 * Declarative checks: a request schema is a plain JSON Schema (2020-12) object, emitted as it
 * is into GET /openapi.json, and `check` interprets the same object to refuse a bad request.
 * Every node may carry `x-error` (the code and message a value failing it is refused with)
 * and `x-errors` (the same, per failing keyword); two keywords JSON Schema lacks are checked
 * and documented here: `x-maxBytes` (UTF-8 bytes; `maxLength` counts characters) and
 * `x-wellFormed` (no lone surrogate). A field cannot be validated without being documented.
 */
import { InvalidRequest, type ErrorCode } from '../../common/errors.js';

export interface ErrorSpec {
  code: ErrorCode;
  /** `{got}` stands for the value as sent. */
  message: string;
}

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface Schema {
  type?: JsonType | readonly JsonType[];
  title?: string;
  description?: string;
  const?: unknown;
  enum?: readonly unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Readonly<Record<string, Schema>>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  oneOf?: readonly Schema[];
  anyOf?: readonly Schema[];
  allOf?: readonly Schema[];
  not?: Schema;
  $ref?: string;
  'x-maxBytes'?: number;
  'x-wellFormed'?: boolean;
  'x-error'?: ErrorSpec;
  'x-errors'?: Readonly<Record<string, ErrorSpec>>;
}

/** Where a value first fails a schema: the innermost schema and the keyword that failed. */
export interface Failure {
  schema: Schema;
  keyword: string;
  path: (string | number)[];
  value: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isType: Record<JsonType, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  object: isObject,
  array: Array.isArray,
  null: (v) => v === null,
};

/** Whether `text` is well-formed UTF-16: a lone surrogate would become U+FFFD in UTF-8, so two keys would be one. */
export const isWellFormed = (text: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

/** The first place `value` fails `schema`, checking properties in the order they are declared; null when it passes. */
export function failure(schema: Schema, value: unknown, path: (string | number)[] = []): Failure | null {
  const fail = (keyword: string): Failure => ({ schema, keyword, path, value });
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  if (types.length > 0 && !types.some((t) => isType[t](value))) return fail('type');
  if (schema.const !== undefined && value !== schema.const) return fail('const');
  if (schema.enum && !schema.enum.includes(value)) return fail('enum');
  if (typeof value === 'string') {
    // Code points, not UTF-16 units; only counted when the units leave it in doubt.
    if (schema.minLength !== undefined && value.length < 2 * schema.minLength && [...value].length < schema.minLength) return fail('minLength');
    if (schema['x-wellFormed'] && !isWellFormed(value)) return fail('x-wellFormed');
    if (schema['x-maxBytes'] !== undefined && Buffer.byteLength(value, 'utf8') > schema['x-maxBytes']) return fail('x-maxBytes');
    if (schema.pattern !== undefined && !patternOf(schema.pattern).test(value)) return fail('pattern');
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return fail('minimum');
    if (schema.maximum !== undefined && value > schema.maximum) return fail('maximum');
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return fail('minItems');
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return fail('maxItems');
    for (let i = 0; schema.items && i < value.length; i++) {
      const found = failure(schema.items, value[i], [...path, i]);
      if (found) return found;
    }
  }
  if (isObject(value)) {
    const found = objectFailure(schema, value, path);
    if (found) return found;
  }
  if (schema.not && failure(schema.not, value, path) === null) return fail('not');
  for (const part of schema.allOf ?? []) {
    const found = failure(part, value, path);
    if (found) return found;
  }
  if (schema.anyOf && !schema.anyOf.some((branch) => failure(branch, value, path) === null)) return fail('anyOf');
  if (schema.oneOf) {
    // The branch whose constants the value matches (its `op`, say) is the one meant: its failure is the one to report.
    const constants = (b: Schema) => Object.entries(b.properties ?? {}).filter(([, p]) => p.const !== undefined);
    const meant = isObject(value) ? schema.oneOf.find((b) => constants(b).length > 0 && constants(b).every(([n, p]) => p.const === value[n])) : undefined;
    const found = meant && failure(meant, value, path);
    if (found) return found;
    if (schema.oneOf.filter((branch) => failure(branch, value, path) === null).length !== 1) return fail('oneOf');
  }
  return null;
}

function objectFailure(schema: Schema, value: Record<string, unknown>, path: (string | number)[]): Failure | null {
  const required = schema.required ?? [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (value[name] === undefined) {
      if (required.includes(name)) return { schema: property, keyword: 'required', path: [...path, name], value: undefined };
      continue;
    }
    const found = failure(property, value[name], [...path, name]);
    if (found) return found;
  }
  const missing = required.find((name) => value[name] === undefined);
  if (missing !== undefined) return { schema, keyword: 'required', path, value };
  if (schema.additionalProperties === false) {
    const extra = Object.keys(value).find((name) => !(name in (schema.properties ?? {})));
    if (extra !== undefined) return { schema, keyword: 'additionalProperties', path: [...path, extra], value: value[extra] };
  }
  return null;
}

/**
 * The error a failure is refused with: the failing schema's `x-errors[keyword]` or `x-error`,
 * its message prefixed with the element it is about (`ops[2]: `) when the failure is inside an array.
 */
export function errorOf(found: Failure, got: unknown = found.value): InvalidRequest {
  const spec = found.schema['x-errors']?.[found.keyword] ?? found.schema['x-error']
    ?? { code: 'INVALID_REQUEST', message: `${found.path.join('.') || 'the body'} is malformed (${found.keyword})` };
  const last = found.path.map((part) => typeof part).lastIndexOf('number');
  const where = last < 0 ? '' : `${found.path.slice(0, last + 1).map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${p}` : p)).join('')}: `;
  return new InvalidRequest(spec.code, where + spec.message.replaceAll('{got}', String(got)));
}

/** `value` as `T` once it passes `schema`; otherwise throws the coded error its schema gives. */
/** Each schema pattern compiled once: requests are checked against the same few patterns all the time. */
const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source, 'u')));
  return pattern;
}

export function check<T>(schema: Schema, value: unknown): T {
  const found = failure(schema, value);
  if (found) throw errorOf(found);
  return value as T;
}

/** Every code a schema can refuse a value with (what its route documents as 4xx answers). */
export function codesOf(schema: Schema | undefined): ErrorCode[] {
  if (!schema) return [];
  const own = [schema['x-error'], ...Object.values(schema['x-errors'] ?? {})].flatMap((spec) => (spec ? [spec.code] : []));
  const parts = [...Object.values(schema.properties ?? {}), schema.items, ...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])];
  return [...new Set([...own, ...parts.flatMap((part) => codesOf(part))])];
}
