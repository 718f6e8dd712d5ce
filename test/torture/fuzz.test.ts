/**
 * The fuzzer, bounded: a fixed seed and a few thousand requests against a 3-node ring with a
 * cluster secret, nodes talking over HTTP as in a real ring. A worker that does not exit
 * promptly after the test is a finding too: it was how a watch that never stopped showed up.
 * Any finding fails the test with the fuzzer's summary, which names the request and the seed.
 */
import test from 'ava';
import { formatReport, runFuzz } from '../../torture/fuzz.js';
import { TestCluster } from '../helpers/cluster.js';

const SECRET = 'fuzz-test-secret';

test('3,000 fuzzed requests: no 5xx outside the ring errors, coded JSON errors, no hang, the ring intact and holding exactly the accepted writes', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2, config: { secret: SECRET } });
  try {
    const report = await runFuzz({ nodes: cluster.addresses, secret: SECRET, requests: 3000, seed: 20_240_601, deadlineMs: 10_000 });
    t.log(formatReport(report, 0));
    t.deepEqual(report.findings, [], formatReport(report));
    t.true(report.requests >= 3000);
  } finally {
    await cluster.teardown();
  }
});
