/**
 * The oracle: what every answer must look like (no 5xx but the ring's retryable ones, errors
 * as coded JSON from the catalogue, node-to-node calls refused without the secret), and what
 * an answer to a key operation means for the model (an accepted write is recorded; a read
 * must agree with it; an accepted write must have been valid).
 */
import { ERROR_CATALOGUE, retryOfCode, type ErrorCode } from '../common/errors.js';
import type { FuzzRequest } from './fuzz-requests.js';
import { isValidKey, putProblem, type Model } from './fuzz-model.js';
import type { RawResponse } from './raw-http.js';

export interface Judged {
  problems: string[];
  /** The answer's class for the summary: 2xx, 4xx…, `5xx CODE`, or 'parser' (Node's HTTP parser refused it: a bare 400, no JSON). */
  label: string;
}

type Json = Record<string, unknown>;

function parseJson(body: Buffer): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed as Json : undefined;
  } catch {
    return undefined;
  }
}

const errorCode = (json: Json | undefined): string | undefined => {
  const code = (json?.error as Json | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** 5xx answers the catalogue documents as the ring's (retry elsewhere or later), and 501 for a method no route knows. */
const tolerated5xx = (code: string | undefined): boolean => code !== undefined && (retryOfCode(code) !== 'never' || code === 'NOT_IMPLEMENTED');

export function judge(request: FuzzRequest, response: RawResponse, model: Model, ringHasSecret: boolean): Judged {
  const json = parseJson(response.body);
  const isJson = /^application\/json/.test(response.headers['content-type'] ?? '');
  if (request.httpInvalid && response.status === 400 && !isJson) return { problems: [], label: 'parser' };
  const problems: string[] = [];
  const code = errorCode(json);
  if (response.status >= 500 && !tolerated5xx(code)) problems.push(`answered ${response.status} ${code ?? ''}`.trim());
  if (response.status >= 400) {
    if (!isJson) problems.push('an error answer that is not JSON');
    else if (request.method !== 'HEAD') {
      const message = (json?.error as Json | undefined)?.message;
      if (code === undefined || !(code in ERROR_CATALOGUE)) problems.push(`error code ${code} is not in ERROR_CATALOGUE`);
      else if (ERROR_CATALOGUE[code as ErrorCode].status !== response.status) problems.push(`${code} answered with status ${response.status}`);
      if (typeof message !== 'string' || message.length === 0) problems.push('an error answer without a message');
    }
  }
  const pathname = request.path.split('?')[0];
  const guarded = pathname.startsWith('/rpc/') || pathname === '/depart';
  if ((ringHasSecret && guarded && request.headers['x-chordkv-secret'] === undefined) || request.kind === 'rpc without secret') {
    // A HEAD answer has no body to name the code in.
    if (response.status !== 401 || (code !== 'UNAUTHORIZED' && request.method !== 'HEAD')) problems.push('a guarded route answered a caller without the secret');
  }
  if (request.brokenRpc && response.status < 400) problems.push('a malformed node-to-node call was accepted');
  if (request.expectStatus !== undefined && response.status !== request.expectStatus) problems.push(`expected ${request.expectStatus}`);
  problems.push(...keyOperation(request, response, json, model));
  const label = response.status >= 500 ? `${response.status} ${code ?? '(no code)'}` : `${Math.floor(response.status / 100)}xx`;
  return { problems, label };
}

/**
 * The key a /kv/<segment> path names, as the node reads it: the raw rest of the path decoded
 * once (routes match case-insensitively and with a trailing slash, which stays in the key);
 * '' for /kv/ itself, null for other paths, undefined when the segment does not decode.
 */
function keyOfPath(path: string): string | null | undefined {
  const match = /^\/kv\/([^/]+\/?)?$/i.exec(path.split('?')[0]);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1] ?? '');
  } catch {
    return undefined;
  }
}

function keyOperation(request: FuzzRequest, response: RawResponse, json: Json | undefined, model: Model): string[] {
  if (request.method === 'POST' && /^\/kv\/_batch\/?$/i.test(request.path.split('?')[0])) return response.status === 200 ? batchResults(request.json, json, model) : [];
  const key = keyOfPath(request.path);
  // GET /kv/ is the listing of /kv; PUT or DELETE there names the empty key, which is refused.
  const listing = key === '' && (request.method === 'GET' || request.method === 'HEAD');
  if (key === null || listing || !['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method)) return [];
  const ok = response.status >= 200 && response.status < 300;
  if (ok && !isValidKey(key)) return [`accepted the invalid key ${JSON.stringify(String(key).slice(0, 40))}`];
  if (key === undefined) return [];
  return single(request.method, key, request.json, response.status, json, model);
}

/** One key operation's answer against the model; records what it changed. */
function single(method: string, key: string, sent: unknown, status: number, answer: Json | undefined, model: Model): string[] {
  const expected = model.expect(key);
  const sure = expected !== 'unsure';
  const code = errorCode(answer);
  const problems: string[] = [];
  if (method === 'PUT') {
    if (status === 200) {
      const invalid = sent === undefined ? 'the body is not JSON' : putProblem(sent);
      if (invalid) return [`accepted a PUT although ${invalid}`];
      const value = (sent as Json).value as string;
      if (answer?.key !== key || answer.value !== value) problems.push('the answer names another key or value than sent');
      model.write(key, { value, version: Number(answer?.version), ...(typeof answer?.expiresAt === 'number' ? { expiresAt: answer.expiresAt } : {}) });
    } else if (code === 'VERSION_MISMATCH' && sure) {
      const live = (answer?.error as Json).version;
      if (live !== (expected?.version ?? null)) problems.push(`VERSION_MISMATCH names version ${String(live)}, the last accepted write is ${expected?.version ?? 'none'}`);
    }
  } else if (method === 'GET' || method === 'HEAD') {
    if (status === 200 && sure && expected === null) problems.push('read a key no accepted write created');
    if (status === 200 && sure && expected && method === 'GET' && answer?.value !== expected.value) problems.push('read another value than the last accepted write');
    if (status === 404 && code !== 'NOT_FOUND' && sure && expected) problems.push('lost a key an accepted write created');
  } else if (method === 'DELETE') {
    if (status === 200 && sure && expected === null) problems.push('deleted a key no accepted write created');
    if (status === 404 && code === 'KEY_NOT_FOUND' && sure && expected) problems.push('did not find a key to delete that an accepted write created');
    if (status === 200) model.remove(key);
  }
  return problems;
}

/** A batch's results, each as its single request would be judged, in the order given. */
function batchResults(sent: unknown, answer: Json | undefined, model: Model): string[] {
  const ops = (sent as { ops?: unknown } | undefined)?.ops;
  const results = answer?.results;
  if (!Array.isArray(ops)) return ['accepted a batch whose body has no list of ops'];
  if (!Array.isArray(results) || results.length !== ops.length) return ['a batch answered another number of results than ops'];
  const problems: string[] = [];
  ops.forEach((op: unknown, i) => {
    const { op: kind, key } = (op ?? {}) as Json;
    const result = results[i] as Json;
    const failed = result?.error !== undefined;
    if (!failed && !isValidKey(key)) problems.push(`ops[${i}]: accepted an invalid key`);
    else if (!failed && !['put', 'get', 'delete'].includes(kind as string)) problems.push(`ops[${i}]: accepted the op ${String(kind)}`);
    else if (isValidKey(key)) {
      const status = failed ? ERROR_CATALOGUE[errorCode(result) as ErrorCode]?.status ?? 500 : 200;
      const method = kind === 'put' ? 'PUT' : kind === 'delete' ? 'DELETE' : 'GET';
      problems.push(...single(method, key, op, status, result, model).map((p) => `ops[${i}]: ${p}`));
    }
  });
  return problems;
}
