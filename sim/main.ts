/**
 * npm run simulate -- --nodes N [--keys K] [--vnodes V] [--k K] [--scenario S] [--seed S]:
 * real ChordNodes by the thousand in this process, on the in-memory network, under a
 * simulated clock (see docs/scale.md). Writes each scenario's CSV and SVG into docs/scale/
 * (--out to change) and prints its table.
 */
import { parseArgs } from 'node:util';
import { runBalance, runChurn, runFailures, runGrowth, SCENARIOS, type Scenario } from './runners.js';

const usage = `usage: npm run simulate -- [--scenario ${SCENARIOS.join('|')}[,...]] [--nodes N] [--keys K] [--k K] [--vnodes 1] [--seed S] [--samples L] [--successors R] [--latency MS] [--out DIR]`;

/** Per scenario, the ring size docs/scale.md used (the command line's --nodes replaces it). */
const DEFAULT_NODES: Record<Scenario, number> = { paths: 4096, 'join-cost': 4096, failures: 256, churn: 128, balance: 1024 };

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' }, keys: { type: 'string' }, vnodes: { type: 'string', default: '1' }, k: { type: 'string', default: '1' },
    scenario: { type: 'string' }, seed: { type: 'string', default: '1' }, samples: { type: 'string', default: '1000' },
    successors: { type: 'string' }, latency: { type: 'string', default: '5' }, out: { type: 'string', default: 'docs/scale' }, help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const int = (name: string, text: string | undefined, min: number): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer of at least ${min} (got ${text})`);
  return n;
};
if (int('vnodes', values.vnodes, 1) !== 1) fail('--vnodes: virtual nodes are not built yet (issue 10); only V = 1 can be simulated');
const chosen = values.scenario === undefined ? [...SCENARIOS] : values.scenario.split(',') as Scenario[];
if (!chosen.every((s) => SCENARIOS.includes(s))) fail(`--scenario must be one of ${SCENARIOS.join(', ')}`);

for (const scenario of chosen) {
  const options = {
    nodes: int('nodes', values.nodes, 2) ?? DEFAULT_NODES[scenario], keys: int('keys', values.keys, 1), k: int('k', values.k, 1) ?? 1,
    seed: int('seed', values.seed, 0) ?? 1, samples: int('samples', values.samples, 1) ?? 1000, out: values.out ?? 'docs/scale',
    successorListSize: int('successors', values.successors, 2), latencyMs: int('latency', values.latency, 0) ?? 5,
  };
  const started = performance.now();
  console.log(`# ${scenario}: N = ${options.nodes}, seed ${options.seed}`);
  if (scenario === 'paths' || scenario === 'join-cost') {
    const both = chosen.includes('paths') && chosen.includes('join-cost');
    if (scenario === 'join-cost' && both) continue; // measured on the paths run's ring
    await runGrowth(options, { paths: scenario === 'paths', joinCost: scenario === 'join-cost' || both });
  } else if (scenario === 'failures') await runFailures(options);
  else if (scenario === 'churn') await runChurn(options);
  else await runBalance(options);
  console.log(`# ${scenario} done in ${((performance.now() - started) / 1000).toFixed(0)} s of wall time`);
}
