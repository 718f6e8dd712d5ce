/**
 * Well-formed operations on a few control keys, each with the one status it must get given
 * the model: plain writes, compare-and-sets that must hold or must fail, deletes and reads.
 * They keep the model's expectations sharp between the garbage and show that the garbage
 * did not disturb real data.
 */
import type { Model } from './fuzz-model.js';
import type { Rng } from './prng.js';
import type { FuzzRequest } from './fuzz-requests.js';

export const CONTROL_KEYS = Array.from({ length: 6 }, (_, i) => `fuzz-control-${i}`);

const json = { 'content-type': 'application/json' };

/** A read of `key` that must see exactly what the model holds. */
export function controlRead(key: string, model: Model): FuzzRequest {
  return { kind: 'control read', method: 'GET', path: `/kv/${encodeURIComponent(key)}`, headers: {}, expectStatus: model.expect(key) ? 200 : 404 };
}

export function controlRequest(rng: Rng, model: Model): FuzzRequest {
  const key = rng.pick(CONTROL_KEYS);
  const path = `/kv/${encodeURIComponent(key)}`;
  const held = model.expect(key);
  if (held === 'unsure') throw new Error('control keys are never written with a time to live');
  const put = (kind: string, body: Record<string, unknown>, expectStatus: number): FuzzRequest => {
    const text = JSON.stringify(body);
    return { kind, method: 'PUT', path, headers: json, body: Buffer.from(text), json: JSON.parse(text) as unknown, expectStatus };
  };
  const value = `${key}=${rng.string(8)}`;
  return rng.weighted<() => FuzzRequest>([
    [4, () => put('control put', { value }, 200)],
    // The condition holds: the live version, or absence.
    [2, () => put('control cas', held ? { value, ifVersion: held.version } : { value, ifAbsent: true }, 200)],
    // The condition fails: a version that is not the live one (versions only grow), or absence of a live key.
    [2, () => put('control stale cas', held ? (rng.chance(0.5) ? { value, ifVersion: held.version - 1 } : { value, ifAbsent: true }) : { value, ifVersion: 1 }, 409)],
    [1, () => ({ kind: 'control delete', method: 'DELETE', path, headers: {}, expectStatus: held ? 200 : 404 })],
    [3, () => controlRead(key, model)],
  ])();
}
