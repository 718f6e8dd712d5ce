/**
 * `npm run fuzz -- [--requests N] [--seed S] [--nodes N]`: starts an in-process ring with a
 * cluster secret (k = 2, linearizable, nodes talking over HTTP), fuzzes its public API and
 * prints the summary; exits 1 when there is any finding. Without --seed, a random seed is
 * drawn and printed, so that a failing run can be replayed.
 */
import { parseArgs } from 'node:util';
import { testConfig } from '../node/config.js';
import { startNode, type RunningNode } from '../node/start.js';
import { formatReport, runFuzz } from './fuzz.js';

const { values } = parseArgs({ options: { requests: { type: 'string' }, seed: { type: 'string' }, nodes: { type: 'string' } } });
const whole = (text: string | undefined, fallback: number, name: string): number => {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got ${text})`);
  return n;
};
const requests = whole(values.requests, 5000, 'requests');
const seed = whole(values.seed, Math.floor(Math.random() * 2 ** 32), 'seed');
const size = Math.max(1, whole(values.nodes, 3, 'nodes'));
const secret = 'fuzz-secret';

const nodes: RunningNode[] = [];
let failed = true;
try {
  // Nodes join one at a time through the first, as `chordkv up` starts them.
  nodes.push(await startNode(testConfig({ k: 2, consistency: 'linearizable', secret })));
  while (nodes.length < size) nodes.push(await startNode(testConfig({ contact: nodes[0].address, secret })));
  console.log(`fuzzing ${size} node(s) with seed ${seed}, ${requests} requests`);
  const report = await runFuzz({
    nodes: nodes.map((n) => n.address), secret, requests, seed, progress: (sent) => console.error(`  ${sent} requests sent`),
  });
  console.log(formatReport(report));
  failed = report.findings.length > 0;
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
}
process.exit(failed ? 1 : 0);
