/** When a peer counts as failed (node/membership/silence.ts), by table over a fake clock. */
import test from 'ava';
import { PeerTimeout, PeerUnreachable, NotAMember, ChordError } from '../../common/errors.js';
import { Silence } from '../../node/membership/silence.js';

const A = '127.0.0.1:1';
const B = '127.0.0.1:2';

type Step = ['call', number, unknown] | ['heard', number] | ['failed?', number, unknown, boolean];

const cases: [string, Step[]][] = [
  ['a refused connection fails at once', [['failed?', 0, new PeerUnreachable(A), true]]],
  ['an answer saying it is no member fails at once', [['failed?', 0, new NotAMember(A), true]]],
  ['one timeout is not yet a failure', [['call', 0, new PeerTimeout(A)], ['failed?', 1000, new PeerTimeout(A), false]]],
  ['timeouts for the failure timeout, counted from the first call sent, are', [
    ['call', 0, new PeerTimeout(A)], ['call', 1500, new PeerTimeout(A)], ['failed?', 2499, new PeerTimeout(A), false], ['failed?', 2500, new PeerTimeout(A), true]]],
  ['an answer in between starts the count again', [
    ['call', 0, new PeerTimeout(A)], ['heard', 1500], ['call', 1600, new PeerTimeout(A)], ['failed?', 3000, new PeerTimeout(A), false], ['failed?', 4100, new PeerTimeout(A), true]]],
  ['a timeout naming another peer (further along) does not count', [['call', 0, new PeerTimeout(B)], ['failed?', 5000, new PeerTimeout(B), false]]],
  ['an error that is not about reachability never fails a peer', [
    ['call', 0, new PeerTimeout(A)], ['failed?', 5000, new ChordError('NOT_READY', 'starting'), false]]],
];

for (const [name, steps] of cases) {
  test(`silence: ${name}`, (t) => {
    let now = 0;
    const silence = new Silence(2500, () => now);
    for (const step of steps) {
      now = step[1];
      if (step[0] === 'call') silence.failedCall(A, step[2], now);
      else if (step[0] === 'heard') silence.heard(A);
      else t.is(silence.hasFailed(step[2], A), step[3], `at ${now} ms`);
    }
  });
}
