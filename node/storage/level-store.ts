/**
 * A Store on disk, in LevelDB (classic-level). Pairs live in one sublevel under
 * `<ring id hex><key>`, so that LevelDB's key order is ring order and a ring interval is one
 * iterator; the node's identity lives in another, so a data dir can only be reopened by
 * the node it belongs to.
 *
 * Durability: writes go to LevelDB's log before they are acknowledged, so they survive
 * a crash of the process. With `sync` they are also fsynced and survive a crash of the
 * operating system, at a large cost in write throughput (see README, Durability).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ChordError, NotReady } from '../../common/errors.js';
import { hashId, ID_BITS, idToHex } from '../../common/ring.js';
import { storedItem, type Item, type KeyedItem } from '../../common/wire.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { GroupCommit } from './group-commit.js';
import { MemoryHintBook, type HintBook } from './hints.js';
import { FilePeerBook } from './peer-book.js';
import type { Store } from './store.js';

type Sub = ReturnType<ClassicLevel<string, string>['sublevel']> & { get(key: string): Promise<unknown>; getSync(key: string): unknown };

/** Width of the ring-id prefix of every stored key. */
const ID_HEX = Math.ceil(ID_BITS / 4);
const MAX_ID = (1n << BigInt(ID_BITS)) - 1n;
const storedKey = (key: string) => idToHex(hashId(key)) + key;

/** Creates `dir` when it is missing; a dir that cannot be created is DATA_DIR_UNUSABLE, naming it. */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ChordError('DATA_DIR_UNUSABLE', `cannot create the data dir ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * One LevelDB database and its group commit, shared by the stores of a process's ring ids:
 * their writes made in one tick go down in one batch (one fsync with `sync`). Closed when
 * the last of its stores closes.
 */
class Database {
  readonly commits: GroupCommit;
  private readonly sublevels = new Map<string, Sub>();
  private open_: number;

  constructor(readonly db: ClassicLevel<string, string>, sync: boolean, stores: number) {
    this.open_ = stores;
    // classic-level honours `sync` on sublevel writes; the abstract typings do not list it.
    const writeOptions = { sync };
    this.commits = new GroupCommit((ops) => {
      const batch = db.batch();
      for (const op of ops) {
        const sublevel = { sublevel: this.sublevels.get(op.in) as never };
        if (op.type === 'put') batch.put(op.key, op.value as never, sublevel);
        else batch.del(op.key, sublevel);
      }
      return batch.write(writeOptions);
    });
  }

  sublevel(name: string): Sub {
    let sub = this.sublevels.get(name);
    if (!sub) {
      sub = this.db.sublevel<string, unknown>(name, { valueEncoding: 'json' }) as unknown as Sub;
      this.sublevels.set(name, sub);
    }
    return sub;
  }

  async closeOne(): Promise<void> {
    if (--this.open_ === 0) await this.db.close();
  }
}

export class LevelStore implements Store {
  private readonly updates = new KeyedMutex();
  private closing = false;
  private readonly items: Sub;
  private readonly hints: Sub;
  /** Pair and hint writes, batched and in order (see group-commit.ts); shared by every store of the database. */
  readonly commits: GroupCommit;

  /** `part` names this store's sublevels: the pairs and hints of one ring id. */
  private constructor(private readonly database: Database, readonly sublevelNames: { pairs: string; hints: string }) {
    this.items = database.sublevel(sublevelNames.pairs);
    this.hints = database.sublevel(sublevelNames.hints);
    this.commits = database.commits;
  }

  /** Opens (or creates) the store in `dir` for the node at `address`; throws ChordError with a clear code. */
  static async open(dir: string, address: string, options: { sync: boolean }): Promise<LevelStore> {
    const db = await openDatabase(dir, address, 1);
    const database = new Database(db, options.sync, 1);
    const store = new LevelStore(database, { pairs: 'ring', hints: 'hints' });
    await migrateByKey(db, store.items);
    await migratePeers(dir, db.sublevel<string, unknown>('meta', { valueEncoding: 'json' }) as unknown as Sub);
    return store;
  }

  /**
   * Opens (or creates) the stores of the `count` ring ids of the process at `address`, all in
   * one database in `dir`: id i keeps its pairs and hints in sublevels of its own, so each id's
   * ranges stay one iterator, and the ids' writes share batches. Data dirs written when each
   * id had a LevelDB of its own (`vnode-<i>` under `dir`) are moved in once.
   */
  static async openMany(dir: string, address: string, count: number, options: { sync: boolean }): Promise<LevelStore[]> {
    const db = await openDatabase(dir, address, count);
    const database = new Database(db, options.sync, count);
    const stores = Array.from({ length: count }, (_, i) => new LevelStore(database, { pairs: `ring-${i}`, hints: `hints-${i}` }));
    try {
      for (const [i, store] of stores.entries()) await moveIn(join(dir, `vnode-${i}`), database, store.sublevelNames);
    } catch (err) {
      await db.close();
      throw err;
    }
    return stores;
  }

  get(key: string): Promise<Item | undefined> {
    return this.whileOpen(async () => this.stored(storedKey(key)));
  }

  /**
   * One pair, read synchronously. A read LevelDB serves from its memtable or caches takes a
   * few microseconds; the asynchronous read hands each one to a worker thread and back, which
   * cost 10 times the CPU in isolation (2–4 µs against 27–35 µs), and in a 10-node LevelDB
   * ring on 2 cores the synchronous read halved the context switches per insert (6.6 to 3.3).
   * The price: a read that must go to the disk holds the event loop while it does.
   */
  private stored(key: string): Item | undefined {
    return this.items.getSync(key) as Item | undefined;
  }

  update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    const stored = storedKey(key);
    return this.whileOpen(() => this.updates.run(key, async () => {
      const next = change(this.stored(stored));
      if (!next) return false;
      await this.commits.submit({ type: 'put', key: stored, value: storedItem(next), in: this.sublevelNames.pairs });
      return true;
    }));
  }

  remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const stored = storedKey(key);
    return this.whileOpen(() => this.updates.run(key, async () => {
      const current = this.stored(stored);
      if (!current || (onlyIf && !onlyIf(current))) return false;
      await this.commits.submit({ type: 'del', key: stored, in: this.sublevelNames.pairs });
      return true;
    }));
  }

  scan(fromId: bigint, toId: bigint): Promise<KeyedItem[]> {
    if (fromId < toId) return this.whileOpen(() => this.read(fromId, toId));
    // The interval wraps past zero (or is the whole ring): the top of the key space, then the bottom.
    return this.whileOpen(async () => [...await this.read(fromId, MAX_ID), ...await this.read(-1n, toId)]);
  }

  entries(): Promise<KeyedItem[]> {
    return this.whileOpen(() => this.read(-1n, MAX_ID));
  }

  /**
   * Runs a store operation unless the store is closing. A request still being served while
   * its node stops (a peer's hand-off, say) then fails as NOT_READY, which its caller retries
   * elsewhere, instead of as an internal error about a database that is not open.
   */
  private async whileOpen<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) throw stopping();
    try {
      return await operation();
    } catch (err) {
      if (this.closing) throw stopping(err);
      throw err;
    }
  }

  /** Pairs with ids in (fromId, toId], fromId < toId, in one pass of an iterator. */
  private async read(fromId: bigint, toId: bigint): Promise<KeyedItem[]> {
    const range: { gte?: string; lt?: string } = {};
    if (fromId >= 0n) range.gte = idToHex(fromId + 1n);
    if (toId < MAX_ID) range.lt = idToHex(toId + 1n);
    const result: KeyedItem[] = [];
    for await (const [key, item] of this.items.iterator(range)) result.push({ key: key.slice(ID_HEX), ...(item as Item) });
    return result;
  }

  /** The hinted-handoff book kept in this store's database (see hints.ts), with what it held before a restart. */
  async hintBook(): Promise<HintBook> {
    const initial: { intended: string; item: KeyedItem }[] = [];
    for await (const [, value] of this.hints.iterator()) initial.push(value as { intended: string; item: KeyedItem });
    // Through the group commit: two changes of one hint reach the disk in the order they were made.
    return new MemoryHintBook({
      put: (key, value) => this.whileOpen(() => this.commits.submit({ type: 'put', key, value, in: this.sublevelNames.hints })),
      del: (key) => this.whileOpen(() => this.commits.submit({ type: 'del', key, in: this.sublevelNames.hints })),
    }, initial);
  }

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    return this.database.closeOne();
  }
}

/**
 * Opens the database in `dir` for the process or node at `address` holding `ids` ring ids,
 * refusing a dir in use, another's, or one written by this process with another number of
 * ids (their pairs sit under ids this start would not have).
 */
async function openDatabase(dir: string, address: string, ids: number): Promise<ClassicLevel<string, string>> {
  await ensureDataDir(dir);
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new ChordError('DATA_DIR_LOCKED', `the data dir ${dir} is in use by another chordkv process`, { cause: err });
    }
    throw new ChordError('DATA_DIR_UNUSABLE', `cannot open the data dir ${dir}: ${cause?.message ?? (err as Error).message}`, { cause: err });
  }
  const meta = db.sublevel<string, unknown>('meta', { valueEncoding: 'json' });
  const owner = (await meta.get('address')) as string | undefined;
  if (owner !== undefined && owner !== address) {
    await db.close();
    throw new ChordError('DATA_DIR_MISMATCH',
      `the data dir ${dir} belongs to the node ${owner}, not ${address}; start ${owner} with it, or give this node another --data-dir`);
  }
  if (owner === undefined) await meta.put('address', address, { sync: true } as object);
  // Recorded for several ids only, so that dirs from before the record need nothing new.
  const recorded = ((await meta.get('ids')) as number | undefined) ?? 1;
  if (owner !== undefined && recorded !== ids) {
    await db.close();
    throw new ChordError('DATA_DIR_MISMATCH',
      `the data dir ${dir} holds the pairs of ${recorded} ring id${recorded === 1 ? '' : 's'} of ${address}, and this start would give it ${ids}; start it with the --vnodes and --weight it had, or give it another --data-dir`);
  }
  // Said for this check and for tools that read a stopped process's dir (chordkv dump).
  if (ids > 1 && owner === undefined) await meta.put('ids', ids, { sync: true } as object);
  return db;
}

/**
 * Moves the pairs and hints of an id's own old LevelDB at `old` (if there is one) into
 * `names` of `database`, synced, then deletes it: renamed first, so that a crash while it is
 * deleted leaves nothing half-deleted where the next start looks (copying again is harmless).
 */
async function moveIn(old: string, database: Database, names: { pairs: string; hints: string }): Promise<void> {
  const moved = `${old}.moved`;
  await rm(moved, { recursive: true, force: true });
  if (!existsSync(join(old, 'CURRENT'))) return;
  const db = new ClassicLevel<string, unknown>(old, { valueEncoding: 'json' });
  await db.open();
  try {
    const batch = database.db.batch();
    for (const [from, to] of [['ring', names.pairs], ['hints', names.hints]]) {
      for await (const [key, value] of db.sublevel<string, unknown>(from, { valueEncoding: 'json' }).iterator()) {
        batch.put(key, value as never, { sublevel: database.sublevel(to) as never });
      }
    }
    await batch.write({ sync: true } as object);
  } finally {
    await db.close();
  }
  await rename(old, moved);
  await rm(moved, { recursive: true, force: true });
}

const stopping = (cause?: unknown) => new NotReady('the node is stopping; ask another node', 'NOT_READY', cause);

/**
 * Data dirs written before pairs were laid out by ring id keep them in the `items`
 * sublevel under the bare key: move them over once, in one atomic batch.
 */
async function migrateByKey(db: ClassicLevel<string, string>, items: Sub): Promise<void> {
  const old = db.sublevel<string, unknown>('items', { valueEncoding: 'json' });
  const batch = db.batch();
  let moved = 0;
  for await (const [key, item] of old.iterator()) {
    batch.put(storedKey(key), item as never, { sublevel: items as never });
    batch.del(key, { sublevel: old as never });
    moved++;
  }
  if (moved > 0) await batch.write({ sync: true } as object);
  else await batch.close();
}

/** Data dirs written before the peer book kept the remembered peers in `meta`: move them to the peer book once. */
async function migratePeers(dir: string, meta: Sub): Promise<void> {
  const peers = await meta.get('peers');
  if (!Array.isArray(peers)) return;
  const book = new FilePeerBook(dir, true);
  if ((await book.read()).length === 0) await book.write(peers.filter((p): p is string => typeof p === 'string'));
  await meta.del('peers', { sync: true } as object);
}
