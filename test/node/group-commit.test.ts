/** Group commit: which writes share a batch, and in what order batches go down. */
import test from 'ava';
import { GroupCommit, type GroupOp } from '../../node/storage/group-commit.js';

const op = (key: string): GroupOp => ({ type: 'put', key, value: key, in: 'ring' });

function recording() {
  const batches: string[][] = [];
  const commits = new GroupCommit(async (ops) => {
    batches.push(ops.map((o) => o.key));
  });
  return { commits, batches };
}

test('writes made by different callbacks of one turn of the event loop share a batch', async (t) => {
  const { commits, batches } = recording();
  // Two timers due together run in one timers phase, each followed by its own microtasks:
  // a batch cut after the first callback's microtasks would hold only its write.
  const written = await new Promise<Promise<void>[]>((resolve) => {
    const pending: Promise<void>[] = [];
    setTimeout(() => pending.push(commits.submit(op('a'))), 1);
    setTimeout(() => {
      pending.push(commits.submit(op('b')));
      resolve(pending);
    }, 1);
  });
  await Promise.all(written);
  t.deepEqual(batches, [['a', 'b']]);
});

test('writes made while a batch is on its way go down together in the next, in the order they were made', async (t) => {
  let release!: () => void;
  const batches: string[][] = [];
  const commits = new GroupCommit(async (ops) => {
    batches.push(ops.map((o) => o.key));
    if (batches.length === 1) await new Promise<void>((resolve) => { release = resolve; });
  });
  const first = commits.submit(op('first'));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const later = [commits.submit(op('x')), commits.submit(op('y'))];
  release();
  await Promise.all([first, ...later]);
  t.deepEqual(batches, [['first'], ['x', 'y']]);
});

test('a failed batch fails every write in it, and the next batch still goes down', async (t) => {
  let calls = 0;
  const commits = new GroupCommit(async () => {
    if (calls++ === 0) throw new Error('disk full');
  });
  const failed = [commits.submit(op('a')), commits.submit(op('b'))];
  for (const write of failed) await t.throwsAsync(write, { message: 'disk full' });
  await t.notThrowsAsync(commits.submit(op('c')));
});
