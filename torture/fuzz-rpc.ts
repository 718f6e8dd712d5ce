/**
 * Node-to-node calls as the fuzzer sends them. Without the secret (or with a wrong one) any
 * call, even a well-formed one, must be refused. With it, each call starts from a well-formed
 * body and has exactly one field broken (wrong type, out of range, a key the public API
 * refuses), so any success is a body the node should have refused; well-formed calls are
 * never sent with the secret, since they could legitimately rewire the ring.
 */
import type { Rng } from './prng.js';
import { garbageJson, withBody, type FuzzRequest } from './fuzz-requests.js';

type Body = Record<string, unknown>;
interface Call { path: string; method?: 'GET' | 'POST'; valid: Body; broken: Record<string, unknown[]> }

const member = { id: 'ab', address: '127.0.0.1:1' };
const item = { key: 'fz-rpc-item', value: 'v', version: 1 };
const badKeys = [5, '', null, 'k'.repeat(1025), '\ud800x', ['k']];
const badItems = ['x', null, [null], [{ ...item, key: '' }], [{ ...item, value: 5 }], [{ ...item, version: -1 }], [{ ...item, version: 1.5 }],
  [{ ...item, expiresAt: -1 }], [{ value: 'v', version: 1 }]];
const badMember = [null, 'x', {}, { id: 'zz', address: 'a' }, { id: 'ab', address: '' }, { id: 'ab' }, { id: 'a'.repeat(41), address: 'a:1' }];
const opPut = { op: 'put', key: 'fz-rpc', value: 'v', hops: 0 };

const CALLS: Call[] = [
  { path: '/rpc/op', valid: opPut, broken: { key: badKeys, op: ['frob', 5, null, 'PUT'], value: [5, null, {}, ['v']], ttlMs: [0, -1, 1.5, '9'], ifVersion: [-1, 'x', 1.5] } },
  { path: '/rpc/batch', valid: { ops: [opPut], hops: 0 }, broken: { ops: ['x', 5, null, {}, [{ ...opPut, key: 'k'.repeat(1025) }], [{ ...opPut, op: 'frob' }], [null]], hops: [-1, 1.5, 'x', null] } },
  { path: '/rpc/find-successor', valid: { id: 'ab', hops: 0 }, broken: { id: ['zz', '', 5, 'a'.repeat(41), null], hops: [1.5, 'x', null] } },
  { path: '/rpc/read', valid: { key: 'fz-rpc', hops: 0 }, broken: { key: [5, null, {}], hops: [-1, 1.5, 'x', null] } },
  { path: '/rpc/scan', valid: { prefix: '', limit: 10 }, broken: { prefix: [5, null], limit: [0, 1001, 2.5, 'x', null], after: [5, {}, null] } },
  { path: '/rpc/apply', valid: { items: [item] }, broken: { items: badItems } },
  { path: '/rpc/chain', valid: { items: [item], rest: [] }, broken: { items: badItems, rest: ['x', [5], [''], null] } },
  { path: '/rpc/join', valid: { node: member }, broken: { node: badMember } },
  { path: '/rpc/notify', valid: { node: member }, broken: { node: badMember } },
  { path: '/rpc/lock', valid: { token: 't', leaseMs: 1000 }, broken: { token: [5, null, {}], leaseMs: [0, -1, 1.5, 2 ** 31, 'x', null] } },
  { path: '/rpc/unlock', valid: { token: 't' }, broken: { token: [5, null, {}] } },
  { path: '/rpc/refresh', valid: { exclude: [] }, broken: { exclude: ['x', [5], [''], null] } },
  { path: '/rpc/pointers', valid: { predecessor: null }, broken: { predecessor: ['x', 5, ...badMember.slice(2)], successors: ['x', [5], [{ id: 'zz' }], null] } },
  { path: '/rpc/watch', valid: { key: 'fz-rpc', waitMs: 0 }, broken: { key: [5, null], waitMs: [-1, 60_001, 1.5, 'x', null], after: [-1, 'x', 1.5] } },
  { path: '/rpc/watch-prefix', valid: { prefix: '', afterSeq: 0, sinceMs: 0, waitMs: 0 },
    broken: { prefix: [5, null], afterSeq: [-1, 1.5, 'x'], sinceMs: [-1, 'x', null], waitMs: [-1, 60_001, 'x'] } },
];
const NO_BODY_CALLS = ['/rpc/state', '/rpc/items', '/rpc/kick', '/rpc/reconcile'];

/** A node-to-node call; `secret` is the ring's (undefined: it has none, and calls are only ever broken ones). */
export function rpcRequest(rng: Rng, secret: string | undefined): FuzzRequest {
  const call = rng.pick(CALLS);
  const authenticated = secret === undefined || rng.chance(0.6);
  if (!authenticated) {
    // Refused whatever it asks: a well-formed call, garbage, another route, another method.
    const path = rng.weighted([[8, call.path], [2, rng.pick(NO_BODY_CALLS)], [1, '/rpc/nope'], [1, '/depart']]);
    const method = rng.weighted([[8, 'POST'], [2, 'GET'], [1, 'PUT']]);
    const headers: Record<string, string> = rng.chance(0.5) ? { 'x-chordkv-secret': rng.pick(['', 'wrong', `${secret}x`, secret.slice(1)]) } : {};
    const body = rng.chance(0.5) ? call.valid : garbageJson(rng);
    return { ...withBody(rng, { kind: 'rpc without secret', method, path, headers }, body), json: undefined };
  }
  const headers: Record<string, string> = secret === undefined ? {} : { 'x-chordkv-secret': secret };
  if (rng.chance(0.15)) {
    // Wrong method or unknown call: refused before any body is read.
    const path = rng.pick(['/rpc/nope', '/rpc/', '/rpc/op/x', call.path]);
    return { kind: 'rpc route', method: path === call.path ? rng.pick(['GET', 'PUT', 'DELETE']) : 'POST', path, headers, brokenRpc: true };
  }
  const field = rng.pick(Object.keys(call.broken));
  const body: unknown = rng.chance(0.15) ? rng.pick<unknown>(['x', 5, [], [call.valid]]) : { ...call.valid, [field]: rng.pick(call.broken[field]) };
  // Strings and numbers are not sent as JSON text here: the strict parser would refuse them, which `withBody` tries elsewhere.
  const request = withBody(rng, { kind: `rpc ${call.path}`, method: call.method ?? 'POST', path: call.path, headers, brokenRpc: true },
    typeof body === 'object' ? body : JSON.stringify(body));
  return request;
}
