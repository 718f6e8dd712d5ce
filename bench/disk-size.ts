/**
 * Size on disk of 100,000 small pairs in one node's LevelDB store (the engine's own
 * compression included): `node --import=tsx bench/disk-size.ts [pairs]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from '../node/storage/level-store.js';
import { counterVersions } from '../node/versions/counter.js';

const pairs = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'chordkv-size-'));
try {
  const store = await LevelStore.open(dir, '127.0.0.1:1', { sync: false });
  const started = Date.now();
  let rawBytes = 0;
  const batch: Promise<boolean>[] = [];
  for (let i = 0; i < pairs; i++) {
    const key = `song ${i}`;
    const value = `artist ${i % 977}, album ${i % 131}`;
    rawBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    batch.push(store.update(key, () => ({ value, version: counterVersions.next(undefined) })));
    if (batch.length === 1000) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  const seconds = (Date.now() - started) / 1000;
  await store.close();
  const onDisk = Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;
  console.log(`| pairs | key+value bytes | size on disk | bytes per pair | write time (s) | writes/s |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
  console.log(`| ${pairs} | ${(rawBytes / 1e6).toFixed(2)} MB | ${(onDisk / 1e6).toFixed(2)} MB | ${(onDisk / pairs).toFixed(1)} | ${seconds.toFixed(2)} | ${Math.round(pairs / seconds)} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
