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
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { ChordError, NotReady } from '../../common/errors.js';
import { hashId, ID_BITS, idToHex } from '../../common/ring.js';
import { storedItem, type Item, type KeyedItem } from '../../common/wire.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { GroupCommit } from './group-commit.js';
import { MemoryHintBook, type HintBook } from './hints.js';
import { FilePeerBook } from './peer-book.js';
import type { Store } from './store.js';

type Sub = ReturnType<ClassicLevel<string, string>['sublevel']> & { get(key: string): Promise<unknown> };

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

export class LevelStore implements Store {
  private readonly updates = new KeyedMutex();
  private closing = false;
  /** classic-level honours `sync` on sublevel writes; the abstract typings do not list it. */
  private readonly writeOptions: object;
  /** Pair and hint writes, batched and in order (see group-commit.ts). */
  readonly commits: GroupCommit;
  private readonly hints: Sub;

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly items: Sub,
    sync: boolean,
  ) {
    this.hints = db.sublevel<string, unknown>('hints', { valueEncoding: 'json' }) as unknown as Sub;
    this.writeOptions = { sync };
    const sublevels = { pairs: items, hints: this.hints };
    this.commits = new GroupCommit((ops) => {
      const batch = db.batch();
      for (const op of ops) {
        const sublevel = { sublevel: sublevels[op.in ?? 'pairs'] as never };
        if (op.type === 'put') batch.put(op.key, op.value as never, sublevel);
        else batch.del(op.key, sublevel);
      }
      return batch.write(this.writeOptions);
    });
  }

  /** Opens (or creates) the store in `dir` for the node at `address`; throws ChordError with a clear code. */
  static async open(dir: string, address: string, options: { sync: boolean }): Promise<LevelStore> {
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
    const items = db.sublevel<string, unknown>('ring', { valueEncoding: 'json' }) as unknown as Sub;
    await migrateByKey(db, items);
    await migratePeers(dir, meta as unknown as Sub);
    return new LevelStore(db, items, options.sync);
  }

  get(key: string): Promise<Item | undefined> {
    return this.whileOpen(async () => (await this.items.get(storedKey(key))) as Item | undefined);
  }

  update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    const stored = storedKey(key);
    return this.whileOpen(() => this.updates.run(key, async () => {
      const next = change((await this.items.get(stored)) as Item | undefined);
      if (!next) return false;
      await this.commits.submit({ type: 'put', key: stored, value: storedItem(next) });
      return true;
    }));
  }

  remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const stored = storedKey(key);
    return this.whileOpen(() => this.updates.run(key, async () => {
      const current = (await this.items.get(stored)) as Item | undefined;
      if (!current || (onlyIf && !onlyIf(current))) return false;
      await this.commits.submit({ type: 'del', key: stored });
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
      put: (key, value) => this.whileOpen(() => this.commits.submit({ type: 'put', key, value, in: 'hints' })),
      del: (key) => this.whileOpen(() => this.commits.submit({ type: 'del', key, in: 'hints' })),
    }, initial);
  }

  close(): Promise<void> {
    this.closing = true;
    return this.db.close();
  }
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
