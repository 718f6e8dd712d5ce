/**
 * A Store on disk, in LevelDB (classic-level). Pairs live in one sublevel, the node's
 * identity in another, so a data dir can only be reopened by the node it belongs to.
 *
 * Durability: writes go to LevelDB's log before they are acknowledged, so they survive
 * a crash of the process. With `sync` they are also fsynced and survive a crash of the
 * operating system, at a large cost in write throughput (see README, Durability).
 */
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { ChordError } from '../../common/errors.js';
import type { Item, KeyedItem } from '../../common/wire.js';
import { KeyedMutex } from '../keyed-mutex.js';
import type { Store } from './store.js';

type Sub = ReturnType<ClassicLevel<string, string>['sublevel']> & { get(key: string): Promise<unknown> };

export class LevelStore implements Store {
  private readonly updates = new KeyedMutex();
  /** classic-level honours `sync` on sublevel writes; the abstract typings do not list it. */
  private readonly writeOptions: object;

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly items: Sub,
    private readonly meta: Sub,
    sync: boolean,
  ) {
    this.writeOptions = { sync };
  }

  /** Opens (or creates) the store in `dir` for the node at `address`; throws ChordError with a clear code. */
  static async open(dir: string, address: string, options: { sync: boolean }): Promise<LevelStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ChordError('DATA_DIR_UNUSABLE', `cannot create the data dir ${dir}: ${(err as Error).message}`, 500, { cause: err });
    }
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'json' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new ChordError('DATA_DIR_LOCKED', `the data dir ${dir} is in use by another chordkv process`, 500, { cause: err });
      }
      throw new ChordError('DATA_DIR_UNUSABLE', `cannot open the data dir ${dir}: ${cause?.message ?? (err as Error).message}`, 500, { cause: err });
    }
    const meta = db.sublevel<string, unknown>('meta', { valueEncoding: 'json' });
    const owner = (await meta.get('address')) as string | undefined;
    if (owner !== undefined && owner !== address) {
      await db.close();
      throw new ChordError('DATA_DIR_MISMATCH',
        `the data dir ${dir} belongs to the node ${owner}, not ${address}; start ${owner} with it, or give this node another --data-dir`, 500);
    }
    if (owner === undefined) await meta.put('address', address, { sync: true } as object);
    const items = db.sublevel<string, unknown>('items', { valueEncoding: 'json' }) as unknown as Sub;
    return new LevelStore(db, items, meta as unknown as Sub, options.sync);
  }

  async get(key: string): Promise<Item | undefined> {
    return (await this.items.get(key)) as Item | undefined;
  }

  update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    return this.updates.run(key, async () => {
      const next = change(await this.get(key));
      if (!next) return false;
      await this.items.put(key, { value: next.value, version: next.version } as never, this.writeOptions);
      return true;
    });
  }

  remove(key: string): Promise<void> {
    return this.updates.run(key, () => this.items.del(key, this.writeOptions));
  }

  async entries(): Promise<KeyedItem[]> {
    const result: KeyedItem[] = [];
    for await (const [key, item] of this.items.iterator()) result.push({ key: key as string, ...(item as Item) });
    return result;
  }

  async readPeers(): Promise<string[]> {
    const peers = await this.meta.get('peers');
    return Array.isArray(peers) ? peers.filter((p): p is string => typeof p === 'string') : [];
  }

  async writePeers(addresses: string[]): Promise<void> {
    await this.meta.put('peers', addresses as never, this.writeOptions);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
