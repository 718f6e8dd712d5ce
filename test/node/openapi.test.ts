/**
 * GET /openapi.json and GET /docs: every route the router registers is documented (read from
 * the router itself, so a route added without a declaration fails here), every schema is
 * valid JSON Schema 2020-12 (ajv, strict), and real answers of a small ring, successes and
 * refusals, match the schemas the document gives for their route and status.
 */
import test, { type ExecutionContext } from 'ava';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ERROR_CATALOGUE } from '../../common/errors.js';
import { RPC_PREFIX } from '../../common/wire.js';
import type { ChordNode } from '../../node/chord-node.js';
import { createRouter } from '../../node/http/app.js';
import { noMetrics } from '../../node/metrics.js';
import type { OpenApiDoc } from '../../node/http/docs-page.js';
import { TestCluster } from '../helpers/cluster.js';

/** What the test reads of an answer: a success's fields or a refusal's code. */
interface Answer {
  error?: { code: string };
  results?: Answer[];
  nodes?: unknown[];
  items?: unknown[];
  value?: string;
  version?: number;
}

let cluster: TestCluster;
let doc: OpenApiDoc;
let ajv: Ajv2020;

test.before(async () => {
  cluster = await TestCluster.start(3, { k: 2 });
  const response = await fetch(`http://${cluster.nodes[0].address}/openapi.json`);
  doc = await response.json() as OpenApiDoc;
  // The document's references (#/components/schemas/X) resolve in one registered schema.
  ajv = new Ajv2020({ strict: true, allErrors: true, formats: { 'date-time': true } });
  ajv.addVocabulary(['x-error', 'x-errors', 'x-maxBytes', 'x-wellFormed']);
  ajv.addSchema({ $id: 'chordkv:components', $defs: rebase(doc.components.schemas) });
});
test.after.always(() => cluster?.teardown());

/** `value` with every local reference pointed at the registered components. */
const rebase = (value: unknown): object => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"chordkv:components#/$defs/')) as object;

const compiled = new Map<unknown, ValidateFunction>();
function validator(schema: unknown): ValidateFunction {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(rebase(schema)));
  return compiled.get(schema)!;
}

const koaToOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

test('every route the router registers is in the document, and every documented operation is registered', (t) => {
  const router = createRouter({} as ChordNode, { onDeparted: () => undefined, metrics: noMetrics });
  const registered = new Set<string>();
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string' || layer.path.startsWith(RPC_PREFIX)) continue; // node-to-node calls: docs/protocol.md
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      const path = koaToOpenApi(layer.path);
      registered.add(`${method} ${path}`);
      t.truthy(doc.paths[path]?.[method.toLowerCase()], `${method} ${layer.path} is not in /openapi.json`);
    }
  }
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  t.deepEqual(documented.sort(), [...registered].sort());
  for (const path of ['/kv/{key}', '/kv', '/kv/_batch', '/overlay', '/status', '/health', '/watch', '/watch/{key}', '/depart', '/openapi.json', '/docs']) {
    t.truthy(doc.paths[path], path);
  }
});

test('the document is OpenAPI 3.1, its schemas compile strictly, and its Error code is every catalogue code', (t) => {
  t.is(doc.openapi, '3.1.0');
  t.deepEqual(doc.components.schemas.Error.properties?.error.properties?.code.enum, Object.keys(ERROR_CATALOGUE));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const bodies = [op.requestBody, ...Object.values(op.responses)].flatMap((r) => Object.values(r?.content ?? {}));
      for (const media of bodies) t.notThrows(() => validator(media.schema), `${method} ${path}`);
      for (const param of op.parameters ?? []) t.notThrows(() => validator(param.schema), `${method} ${path} ${param.name}`);
      t.truthy(op.responses['500'], `${method} ${path} lists no 500`);
      for (const [status, answer] of Object.entries(op.responses)) {
        if (status.startsWith('2')) continue;
        for (const code of answer.description.split(', ')) t.is(String(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE]?.status), status, code);
      }
    }
  }
});

/** One raw call; checks the answer against the document's schema for the route, method and status it got. */
async function checked(t: ExecutionContext, method: string, path: string, route: string, body?: unknown, type = 'application/json'): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`http://${cluster.nodes[1].address}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json() as Answer;
  const documented = doc.paths[route]?.[method.toLowerCase()]?.responses?.[String(response.status)];
  if (!documented) {
    t.fail(`${method} ${route} does not document ${response.status} (${JSON.stringify(answer)})`);
    return { status: response.status, body: answer };
  }
  const validate = validator(documented.content?.['application/json']?.schema);
  t.true(validate(answer), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer).slice(0, 300)}`);
  return { status: response.status, body: answer };
}

test('real answers of a ring match the document: successes, a missing key, refusals', async (t) => {
  t.is((await checked(t, 'PUT', '/kv/doc%20key', '/kv/{key}', { value: 'v' })).status, 200);
  t.is((await checked(t, 'PUT', '/kv/doc-ttl', '/kv/{key}', { value: 'v', ttlMs: 60_000 })).status, 200);
  const read = await checked(t, 'GET', '/kv/doc%20key', '/kv/{key}');
  t.is(read.body.value, 'v');
  t.is((await checked(t, 'PUT', '/kv/doc%20key', '/kv/{key}', { value: 'w', ifVersion: read.body.version! + 5 })).body.error?.code, 'VERSION_MISMATCH');
  t.is((await checked(t, 'GET', '/kv/doc-missing', '/kv/{key}')).body.error?.code, 'KEY_NOT_FOUND');
  t.is((await checked(t, 'DELETE', '/kv/doc-ttl', '/kv/{key}')).status, 200);
  const batch = await checked(t, 'POST', '/kv/_batch', '/kv/_batch', { ops: [{ op: 'put', key: 'b1', value: 'x' }, { op: 'get', key: 'b1' }, { op: 'delete', key: 'b1' }, { op: 'get', key: 'b1' }] });
  t.is(batch.body.results?.[3]?.error?.code, 'KEY_NOT_FOUND');
  t.is((await checked(t, 'GET', '/kv', '/kv')).body.nodes?.length, 3);
  t.is((await checked(t, 'GET', '/kv?prefix=doc&limit=1', '/kv')).body.items?.length, 1);
  for (const path of ['/overlay', '/status', '/health']) t.is((await checked(t, 'GET', path, path)).status, 200);
  t.is((await checked(t, 'PUT', '/kv/doc-bad', '/kv/{key}', { value: 5 })).body.error?.code, 'INVALID_VALUE');
  t.is((await checked(t, 'PUT', '/kv/doc-bad', '/kv/{key}', { value: 'x', ttlMs: 0 })).body.error?.code, 'INVALID_REQUEST');
  t.is((await checked(t, 'POST', '/kv/_batch', '/kv/_batch', { ops: [{ op: 'frob', key: 'k' }] })).body.error?.code, 'INVALID_OP');
  t.is((await checked(t, 'GET', '/kv?limit=0', '/kv')).body.error?.code, 'INVALID_REQUEST');
  t.is((await checked(t, 'PUT', '/kv/doc-bad', '/kv/{key}', { value: 'x' }, 'text/plain')).body.error?.code, 'UNSUPPORTED_MEDIA_TYPE');
  t.is((await checked(t, 'PUT', '/kv', '/kv', { value: 'x' })).body.error?.code, 'INVALID_KEY');
});

test('/openapi.json is served as JSON by every node, the same document', async (t) => {
  for (const node of cluster.nodes) {
    const response = await fetch(`http://${node.address}/openapi.json`);
    t.regex(response.headers.get('content-type') ?? '', /^application\/json/);
    t.deepEqual(await response.json(), doc);
  }
});

test('/docs is an HTML page of every path and schema, with nothing to fetch from elsewhere', async (t) => {
  const response = await fetch(`http://${cluster.nodes[2].address}/docs`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  for (const path of Object.keys(doc.paths)) t.true(html.includes(`<code>${path}</code>`), path);
  for (const name of Object.keys(doc.components.schemas)) t.true(html.includes(`id="schema-${name}"`), name);
  t.false(/<script|<link|src=/i.test(html));
  for (const code of ['KEY_NOT_FOUND', 'VALUE_TOO_LARGE', 'VERSION_MISMATCH', 'INVALID_OP']) t.true(html.includes(code), code);
});
