/** `chordkv up`: launch a local ring, print where it is, stop it on Ctrl-C or SIGTERM. */
import { launchRing } from '../../bootstrap/launcher.js';
import { describeSettings } from '../../common/wire.js';
import { ringSettingsOf } from '../../node/config.js';
import type { RingFlags } from '../../bootstrap/ring-args.js';
import { consolePrinter, printError } from '../output.js';

export interface UpFlags extends RingFlags {
  nodes: number;
  host: string;
  basePort: number;
  secret?: string;
  logLevel: string;
  json: boolean;
}

export async function runUp(flags: UpFlags): Promise<void> {
  const printer = consolePrinter(flags.json);
  if (flags.k > flags.nodes) {
    printer.err(`warning: -k ${flags.k} is more than --nodes ${flags.nodes}: every node holds every pair (k counts as ${flags.nodes})`);
  }
  let ring;
  try {
    // The executable is the script this process runs: the CLI is an entry point, so it may ask.
    ring = await launchRing({ ...flags, executable: process.argv[1] });
  } catch (err) {
    process.exitCode = printError(printer, err);
    return;
  }
  const [first] = ring.addresses;
  if (flags.json) {
    const { mode, ...settings } = ringSettingsOf(flags);
    printer.out(JSON.stringify({ nodes: ring.addresses, consistency: mode, ...settings }));
  } else {
    printer.out(`chordkv ring up: ${ring.addresses.length} nodes, k=${flags.k}, ${describeSettings(ringSettingsOf(flags))}`);
    ring.addresses.forEach((address, i) => printer.out(`  ${i === 0 ? 'bootstrap' : `node ${i}    `}  ${address}`));
    printer.out('');
    printer.out('try, in another terminal:');
    printer.out(`  npx chordkv insert "Hey Jude" "The Beatles" --node ${first}`);
    printer.out(`  npx chordkv query "Hey Jude" --node ${ring.addresses.at(-1)}`);
    printer.out(`  npx chordkv query '*' --node ${first}`);
    printer.out(`  npx chordkv overlay --node ${first}`);
    printer.out(`  npx chordkv depart --node ${ring.addresses.at(-1)}`);
    printer.out('');
    printer.out('Ctrl-C stops every node.');
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await ring.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await ring.exited;
  if (!stopping) printer.err('every node has exited; stopping');
}
