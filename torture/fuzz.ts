/**
 * A seeded fuzzer of the public HTTP API: `runFuzz` sends raw requests one at a time to the
 * nodes of a running ring (see fuzz-requests.ts, fuzz-rpc.ts, fuzz-control.ts), judges every
 * answer (fuzz-check.ts), and at the end checks that every node is healthy, that the ring
 * still lists every node, and that the ring holds exactly the pairs of the accepted writes.
 * A run replays from its seed: the requests depend on nothing but the seed and the answers.
 */
import { CONTROL_KEYS, controlRead, controlRequest } from './fuzz-control.js';
import { judge } from './fuzz-check.js';
import { Model } from './fuzz-model.js';
import { publicRequest, type FuzzRequest } from './fuzz-requests.js';
import { rpcRequest } from './fuzz-rpc.js';
import { Rng } from './prng.js';
import { exchange, type RawResponse } from './raw-http.js';

export interface FuzzOptions {
  /** Addresses (host:port) of every node of the ring. */
  nodes: string[];
  /** The ring's secret, when it has one: calls under /rpc/ are then also sent without it, and must be refused. */
  secret?: string;
  requests: number;
  seed: number;
  /** A request not answered within this is a finding (a hang). */
  deadlineMs?: number;
  /** Called every 1000 requests with the number sent so far. */
  progress?: (sent: number) => void;
}

export interface Finding {
  problem: string;
  node: string;
  method: string;
  path: string;
  body: string;
  status?: number;
  answer?: string;
}

export interface FuzzReport {
  seed: number;
  /** Requests asked for (the replay flag), and requests sent (with the control reads between them). */
  planned: number;
  requests: number;
  /** Answers by status class (2xx, 4xx, …; 5xx by code), plus 'parser' (refused by Node's HTTP parser), 'no answer' and 'hang'. */
  byClass: Record<string, number>;
  findings: Finding[];
  elapsedMs: number;
}

/** How often every control key is read back. */
const VERIFY_EVERY = 100;
const excerpt = (text: string, max = 160): string => JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const rng = new Rng(options.seed);
  const model = new Model();
  const report: FuzzReport = { seed: options.seed, planned: options.requests, requests: 0, byClass: {}, findings: [], elapsedMs: 0 };
  const deadlineMs = options.deadlineMs ?? 15_000;

  const send = async (request: FuzzRequest, node = rng.pick(options.nodes)): Promise<void> => {
    report.requests++;
    const found = (problem: string, response?: RawResponse) => report.findings.push({
      problem, node, method: request.method, path: excerpt(request.path, 100), body: excerpt(request.body?.toString('utf8') ?? ''),
      status: response?.status, answer: response && excerpt(response.body.toString('utf8')),
    });
    const outcome = await exchange(node, request, deadlineMs);
    if ('failure' in outcome) {
      const label = outcome.failure === 'hang' ? 'hang' : 'no answer';
      count(report, label);
      // A request cut short at the HTTP level may be dropped without an answer; anything else must be answered.
      if (outcome.failure === 'hang' || !request.httpInvalid) found(`${label}: ${outcome.detail}`);
      return;
    }
    const { problems, label } = judge(request, outcome.response, model, options.secret !== undefined);
    count(report, label);
    for (const problem of problems) found(problem, outcome.response);
  };

  for (let i = 0; i < options.requests; i++) {
    if (i % VERIFY_EVERY === 0) for (const key of CONTROL_KEYS) await send(controlRead(key, model));
    const request = rng.weighted<() => FuzzRequest>([
      [20, () => controlRequest(rng, model)],
      [65, () => publicRequest(rng)],
      [15, () => rpcRequest(rng, options.secret)],
    ])();
    // Without a secret, /depart is open to anyone and would really take a node away.
    if (options.secret === undefined && request.path.startsWith('/depart')) continue;
    await send(request);
    if ((i + 1) % 1000 === 0) options.progress?.(i + 1);
  }
  for (const key of CONTROL_KEYS) await send(controlRead(key, model));
  report.findings.push(...await finalChecks(options.nodes, model, deadlineMs));
  report.elapsedMs = Date.now() - started;
  return report;
}

function count(report: FuzzReport, label: string): void {
  report.byClass[label] = (report.byClass[label] ?? 0) + 1;
}

async function getJson(node: string, path: string, deadlineMs: number): Promise<{ status: number; json: unknown } | string> {
  const outcome = await exchange(node, { method: 'GET', path, headers: {} }, deadlineMs);
  if ('failure' in outcome) return `${outcome.failure}: ${outcome.detail}`;
  try {
    return { status: outcome.response.status, json: JSON.parse(outcome.response.body.toString('utf8')) };
  } catch {
    return `answered ${outcome.response.status} with a body that is not JSON`;
  }
}

/** Every node healthy and listing the whole ring; the ring holding exactly the model's pairs. */
async function finalChecks(nodes: string[], model: Model, deadlineMs: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  const found = (node: string, path: string, problem: string) => findings.push({ problem, node, method: 'GET', path, body: '""' });
  for (const node of nodes) {
    const health = await getJson(node, '/health', deadlineMs);
    if (typeof health === 'string' || health.status !== 200) found(node, '/health', `the node is not healthy at the end: ${JSON.stringify(health)}`);
    const overlay = await getJson(node, '/overlay', deadlineMs);
    const listed = typeof overlay === 'string' ? [] : ((overlay.json as { nodes?: { address: string }[] }).nodes ?? []).map((n) => n.address);
    if ([...listed].sort().join() !== [...nodes].sort().join()) found(node, '/overlay', `the overlay lists ${listed.join(', ') || 'nothing'}, not every node`);
  }
  const all = await getJson(nodes[0], '/kv', deadlineMs);
  if (typeof all === 'string' || all.status !== 200) {
    found(nodes[0], '/kv', `the ring could not be listed: ${JSON.stringify(all)}`);
    return findings;
  }
  const primaries = new Map<string, number>();
  for (const node of (all.json as { nodes: { address: string; items: { key: string; value: string; role: string }[] }[] }).nodes) {
    for (const item of node.items) {
      const expected = model.expect(item.key);
      if (item.role === 'primary') primaries.set(item.key, (primaries.get(item.key) ?? 0) + 1);
      if (expected === null) found(node.address, '/kv', `holds ${excerpt(item.key, 60)}, which no accepted write created`);
      else if (expected !== 'unsure' && expected.value !== item.value) found(node.address, '/kv', `holds ${excerpt(item.key, 60)} with another value than the last accepted write`);
    }
  }
  for (const key of model.keys()) {
    const expected = model.expect(key);
    if (expected !== 'unsure' && primaries.get(key) !== 1) found(nodes[0], '/kv', `${excerpt(key, 60)} has ${primaries.get(key) ?? 0} primary copies, not 1`);
  }
  return findings;
}

/** The run's summary: answers by class, then each finding with the request that caused it. */
export function formatReport(report: FuzzReport, maxFindings = 30): string {
  const classes = Object.entries(report.byClass).sort().map(([label, n]) => `${label}: ${n}`).join(', ');
  const lines = [`fuzz seed=${report.seed}: ${report.requests} requests in ${(report.elapsedMs / 1000).toFixed(1)} s (${classes}); ${report.findings.length} finding(s)`];
  for (const f of report.findings.slice(0, maxFindings)) {
    lines.push(`- ${f.problem}\n    ${f.method} ${f.path} to ${f.node}, body ${f.body}${f.status === undefined ? '' : `\n    answered ${f.status} ${f.answer}`}`);
  }
  if (report.findings.length > maxFindings) lines.push(`… and ${report.findings.length - maxFindings} more`);
  if (report.findings.length > 0) lines.push(`replay: npm run fuzz -- --seed ${report.seed} --requests ${report.planned}`);
  return lines.join('\n');
}
