/**
 * What a Merkle tree hashes for one pair. The digest must not depend on how the version is
 * spelled (a number today, a JSON object for vector clocks in quorum mode), nor on the order
 * a peer happened to write an object's fields in: equal items must hash equally on every node.
 */
import { hash } from 'node:crypto';
import { storedItem, type Item } from '../../common/wire.js';

/** JSON with every object's keys sorted (recursively) and undefined fields left out, so that equal values print equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  // A loop rather than map/filter/join: this runs once per pair when a tree is built.
  let text = '';
  for (const name of Object.keys(record).sort()) {
    if (record[name] === undefined) continue;
    text += `${text ? ',' : ''}${JSON.stringify(name)}:${canonicalJson(record[name])}`;
  }
  return `{${text}}`;
}

/** SHA-1 (hex) of the item as a store keeps it: value or tombstone, version, expiry. */
export function itemDigest(item: Item): string {
  return hash('sha1', canonicalJson(storedItem(item)));
}
