/** The peer book: the addresses a node remembers for rejoining, in memory and in a file of the data dir. */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePeerBook, MemoryPeerBook, type PeerBook } from '../../node/storage/peer-book.js';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-peers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const books: [string, (t: ExecutionContext) => Promise<PeerBook>][] = [
  ['MemoryPeerBook', async () => new MemoryPeerBook()],
  ['FilePeerBook', async (t) => new FilePeerBook(await tempDir(t))],
];

for (const [name, create] of books) {
  test(`${name}: read is empty at first and returns what write stored, last write winning`, async (t) => {
    const book = await create(t);
    t.deepEqual(await book.read(), []);
    await book.write(['127.0.0.1:7002', '127.0.0.1:7003']);
    t.deepEqual(await book.read(), ['127.0.0.1:7002', '127.0.0.1:7003']);
    const later = ['127.0.0.1:7004'];
    await book.write(later);
    later.push('mutated after the call');
    t.deepEqual(await book.read(), ['127.0.0.1:7004']);
    await book.write([]);
    t.deepEqual(await book.read(), []);
  });
}

test('FilePeerBook: what one book wrote, another on the same dir reads (a restart)', async (t) => {
  const dir = await tempDir(t);
  await new FilePeerBook(dir, true).write(['127.0.0.1:7002']);
  t.deepEqual(await new FilePeerBook(dir).read(), ['127.0.0.1:7002']);
});

test('FilePeerBook: a torn or foreign file reads as no peers instead of failing the start', async (t) => {
  const dir = await tempDir(t);
  for (const text of ['["127.0.0.1:70', '{"peers": 1}', '[1, "127.0.0.1:7002", null]']) {
    await writeFile(join(dir, FilePeerBook.FILE), text);
    const read = await new FilePeerBook(dir).read();
    t.true(read.every((p) => typeof p === 'string'), text);
    t.true(read.length <= 1, text);
  }
});
