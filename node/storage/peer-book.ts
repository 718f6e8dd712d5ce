/**
 * The addresses of ring members a node last knew, kept apart from its pairs so that a
 * restarted node can rejoin through them. On disk it is one small JSON file in the data
 * dir, replaced atomically (written beside it, then renamed over it).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PeerBook {
  read(): Promise<string[]>;
  write(addresses: string[]): Promise<void>;
}

export class MemoryPeerBook implements PeerBook {
  private addresses: string[] = [];
  async read(): Promise<string[]> {
    return [...this.addresses];
  }
  async write(addresses: string[]): Promise<void> {
    this.addresses = [...addresses];
  }
}

export class FilePeerBook implements PeerBook {
  static readonly FILE = 'peers.json';
  private readonly path: string;

  /** The peer book of the data dir `dir` (which must exist). */
  constructor(dir: string, private readonly sync = false) {
    this.path = join(dir, FilePeerBook.FILE);
  }

  async read(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
    } catch {
      return []; // a torn or hand-edited file: the node rejoins through its contact instead
    }
  }

  async write(addresses: string[]): Promise<void> {
    const temporary = `${this.path}.tmp`;
    await writeFile(temporary, JSON.stringify(addresses), { flush: this.sync });
    await rename(temporary, this.path);
  }
}
