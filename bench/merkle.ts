/**
 * `npm run bench:merkle`: Merkle anti-entropy against the full push it replaced, for 100,000
 * pairs with 10 and with 1,000 differing (see bench/lib/merkle.ts). Prints a markdown table.
 * Options: --pairs N (default 100000).
 */
import { runMain } from './lib/cleanup.js';
import { loadAverage, machineFacts, machineLines } from './lib/machine.js';
import { merkleRows, merkleTable } from './lib/merkle.js';

const argv = process.argv.slice(2);
const PAIRS = argv.includes('--pairs') ? Math.max(1_000, Number(argv[argv.indexOf('--pairs') + 1]) || 100_000) : 100_000;

await runMain(async () => {
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const rows = await merkleRows(PAIRS);
  console.log('## Merkle anti-entropy\n');
  console.log(machineLines(facts).join('\n'));
  console.log(`- load average (1, 5, 15 min): ${loadBefore} before, ${loadAverage()} after\n`);
  console.log(merkleTable(rows));
});
