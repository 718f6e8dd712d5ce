/**
 * `chordkv dump`: every pair one node holds, with versions, roles and tombstones. From a
 * live node it reads GET /rpc/items (a node-to-node route, hence --secret); from a stopped
 * node's data dir it opens the store, lists it and closes it again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { createTransport } from '../../common/transport.js';
import type { NodeItems } from '../../common/wire.js';
import { items } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { FilePeerBook } from '../../node/storage/peer-book.js';
import { ChordError } from '../../common/errors.js';
import { distance, hashId, idToHex, inHalfOpen } from '../../common/ring.js';
import { LevelStore } from '../../node/storage/level-store.js';
import { formatDump } from '../dump-output.js';
import { printError, type Printer } from '../output.js';

export interface DumpFlags {
  node: string;
  /** Read this data dir instead of asking a live node. */
  dataDir?: string;
  json: boolean;
  timeout: number;
  secret?: string;
  /** Print long values whole. */
  full: boolean;
}

/** Prints the dump (prose, or with --json the items as /rpc/items returns them); returns the exit code. */
export async function dump(flags: DumpFlags, printer: Printer): Promise<number> {
  try {
    const result = flags.dataDir ? await readDataDir(flags.dataDir) : await readLive(flags);
    const source = flags.dataDir ? `from the data dir ${flags.dataDir} (roles as of the ring it last knew)` : undefined;
    printer.out(printer.json ? JSON.stringify(result) : formatDump(result, { full: flags.full, source }));
    return 0;
  } catch (err) {
    return printError(printer, err, flags.dataDir ? undefined : flags.node);
  }
}

async function readLive(flags: DumpFlags): Promise<NodeItems> {
  const transport = createTransport({ timeoutMs: flags.timeout, secret: flags.secret });
  try {
    return await new RpcClient(transport).call(items, flags.node, undefined);
  } catch (err) {
    if (err instanceof ChordError && err.code === 'UNAUTHORIZED') {
      throw new ChordError('UNAUTHORIZED', `the ring at ${flags.node} has a cluster secret and ${flags.secret ? 'refused the one given' : 'none was given'}; `
        + 'pass it with --secret (or CHORDKV_SECRET)');
    }
    throw err;
  } finally {
    transport.close();
  }
}

/** Lists a data dir through LevelStore, without creating anything or claiming it for another address. */
async function readDataDir(dir: string): Promise<NodeItems> {
  if (!existsSync(dir)) throw new ChordError('DATA_DIR_MISSING', `there is no data dir at ${dir}`);
  // Checked before opening: LevelDB leaves LOCK and LOG files even where it then finds no database.
  if (!existsSync(join(dir, 'CURRENT'))) throw new ChordError('DATA_DIR_UNUSABLE', `${dir} is not a chordkv data dir (no database in it)`);
  const address = await ownerOf(dir);
  let store: LevelStore;
  try {
    store = await LevelStore.open(dir, address, { sync: false });
  } catch (err) {
    // A node may have started on the dir since ownerOf looked at it.
    if (err instanceof ChordError && err.code === 'DATA_DIR_LOCKED') throw inUse(dir);
    throw err;
  }
  try {
    const [entries, peers] = [await store.entries(), await new FilePeerBook(dir).read()];
    const owns = ownershipFrom(address, peers);
    return {
      id: idToHex(hashId(address)),
      address,
      items: entries.map((e) => ({ ...e, role: owns(hashId(e.key)) ? 'primary' as const : 'replica' as const })),
    };
  } finally {
    await store.close();
  }
}

const inUse = (dir: string) => new ChordError('DATA_DIR_LOCKED',
  `the data dir ${dir} is in use by a running node; dump that node live with --node HOST:PORT instead`);

/**
 * The address the dir belongs to. LevelStore.open needs it and would record any address it
 * is given in a dir that has none, so it is read first, from LevelStore's `meta` sublevel,
 * with a handle that never creates a database.
 */
async function ownerOf(dir: string): Promise<string> {
  const db = new ClassicLevel<string, unknown>(dir, { createIfMissing: false, valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw inUse(dir);
    throw new ChordError('DATA_DIR_UNUSABLE', `${dir} is not a chordkv data dir (${cause?.message ?? (err as Error).message})`, { cause: err });
  }
  try {
    const meta = db.sublevel<string, unknown>('meta', { valueEncoding: 'json' });
    const owner = await meta.get('address');
    if (typeof owner !== 'string') throw new ChordError('DATA_DIR_UNUSABLE', `${dir} is not a chordkv data dir (no node address in it)`);
    const ids = await meta.get('ids');
    if (typeof ids === 'number' && ids > 1) {
      throw new ChordError('DATA_DIR_UNUSABLE', `${dir} holds the ${ids} ring ids of the process ${owner}; a stopped process of several ids cannot be dumped yet: start it and dump each id live with --node ${owner}#0 … #${ids - 1}`);
    }
    return owner;
  } finally {
    await db.close();
  }
}

/**
 * Whether the node at `address` owns an id, judged from the peers it remembered: its
 * predecessor was one of them (they are its successors and predecessor), the nearest
 * one counter-clockwise. With none remembered it was alone and owned everything.
 */
function ownershipFrom(address: string, peers: string[]): (id: bigint) => boolean {
  const self = hashId(address);
  const ids = peers.filter((p) => p !== address).map(hashId);
  if (ids.length === 0) return () => true;
  const predecessor = ids.reduce((best, id) => (distance(id, self) < distance(best, self) ? id : best));
  return (id) => inHalfOpen(id, predecessor, self);
}
