/**
 * `npm run bench`'s flags, read once into a frozen plan (pure: argv in, plan or a list of
 * problems out, so that it is testable without running anything).
 */

/** The parts a run can measure; each is a set of rows (or a table) of its own. */
export const PARTS = {
  modes: 'the 10-node ring, k=3, in each consistency mode (linearizable, eventual, quorum R=W=2)',
  direct: 'the 10-node ring, k=3, linearizable and eventual, with a token-aware client (--direct): each request to its key\'s head, eventual reads to a replica',
  ref: 'the bare node:http forward chain with 1, 2 and 3 forwards (the efficiency reference)',
  ceiling: 'plain node:http servers answering from memory, 10 and 5 processes side by side, no forward: the most any store in that many Node processes can do here',
  shaped: 'plain servers in 10 processes placed on a ring (k=3): the ring\'s fewest hops and nothing else, with node:http, one-connection JSON lines or the nodes\' frame transport between them, Koa in front or not, clients spread or token-aware (with scale: also at N = 5 and 20)',
  etcd: 'a 3-member etcd cluster through its JSON gateway: put, linearizable and serializable get',
  packed: 'the 10-node ring, k=3, linearizable and eventual, as 10 ring ids in 5 processes (2 each, as the assignment\'s 5 machines with 2 nodes each): what the process count costs on 2 cores',
  scale: 'the linearizable ring at N = 5, 10, 20 (k=3): throughput, messages per operation, idle CPU',
  disk: 'the linearizable 10-node ring with the LevelDB store',
  fsync: 'the linearizable 10-node ring with the LevelDB store and --fsync (group commit: one synced batch per tick)',
  nometrics: 'the linearizable 10-node ring with --no-metrics (what metrics cost)',
  merkle: 'Merkle anti-entropy against the full push (one process, ~15 s)',
} as const;

export type Part = keyof typeof PARTS;

/** What a plain `npm run bench` measures (about 20 minutes on this 2-core machine with other work on it; `--rounds 1` about 7). */
export const DEFAULT_PARTS: readonly Part[] = ['modes', 'direct', 'packed', 'ref', 'ceiling', 'shaped', 'etcd', 'scale', 'merkle'];

export interface BenchPlan {
  parts: ReadonlySet<Part>;
  rounds: number;
  quick: boolean;
  /** Requests per measured run (one operation of one setup). */
  requests: number;
  /** The smallest warm-up batch of each operation (measure.ts's warmUp sends batches until the setup is steady). */
  warmup: number;
  /** Clients in all, spread evenly over a system's endpoints. */
  clients: number;
  help: boolean;
}

export const USAGE = [
  'npm run bench -- [--only PART,PART…] [--rounds N] [--requests N] [--warmup N] [--clients N] [--quick]',
  '',
  'Parts (default: ' + DEFAULT_PARTS.join(',') + '; "all" for every part):',
  ...Object.entries(PARTS).map(([name, what]) => `  ${name.padEnd(10)} ${what}`),
  '',
  '--rounds N    interleaved rounds on fresh processes (default 3; 1 with --quick)',
  '--requests N  requests per measured run (default 5000; 500 with --quick)',
  '--warmup N    smallest warm-up batch of each operation (default 2000; 300 and one batch with --quick); a setup warms up in',
  '              batches of at least 1000 requests per endpoint, at least 4, until its throughput stops rising (at most 8)',
  '--clients N   concurrent clients in all, spread over the endpoints (default 60)',
  '--quick       a short smoke run of the selected parts (also BENCH_QUICK=1)',
  'ETCD_BIN=/path/to/etcd picks the etcd binary (default: etcd on PATH).',
].join('\n');

/** Reads the flags; throws an Error listing every problem. */
export function parseBenchArgs(argv: readonly string[], quickFromEnv = false): BenchPlan {
  const problems: string[] = [];
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const given = argv[at + 1];
    if (given === undefined || given.startsWith('--')) problems.push(`${flag} needs a value`);
    return given;
  };
  const count = (flag: string, fallback: number): number => {
    const given = value(flag);
    if (given === undefined) return fallback;
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) problems.push(`${flag} must be a whole number of at least 1, got ${JSON.stringify(given)}`);
    return n;
  };
  const valued = ['--only', '--rounds', '--requests', '--warmup', '--clients'];
  const known = new Set([...valued, '--quick', '--help', '-h']);
  argv.forEach((arg, i) => {
    const isValue = i > 0 && valued.includes(argv[i - 1]);
    if (!isValue && !known.has(arg)) problems.push(`unknown argument ${JSON.stringify(arg)}`);
  });
  const quick = argv.includes('--quick') || quickFromEnv;
  const only = value('--only');
  const names = only === undefined ? DEFAULT_PARTS : only === 'all' ? Object.keys(PARTS) : only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(name in PARTS));
  if (unknown.length > 0) problems.push(`unknown part${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`);
  const requests = count('--requests', quick ? 500 : 5000);
  const plan: BenchPlan = {
    parts: new Set(names.filter((name): name is Part => name in PARTS)),
    rounds: count('--rounds', quick ? 1 : 3),
    quick,
    requests,
    warmup: count('--warmup', quick ? 300 : 2000),
    clients: count('--clients', 60),
    help: argv.includes('--help') || argv.includes('-h'),
  };
  if (problems.length > 0) throw new Error(`npm run bench: ${problems.join('; ')}\n\n${USAGE}`);
  return Object.freeze(plan);
}
