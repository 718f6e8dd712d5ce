/**
 * After the faults: waiting for the ring to agree on itself, and reading what it holds.
 * The ring is settled when every member names the true neighbours (computed here from the
 * members' ids) and every key is on exactly min(k, N) members with one value.
 */
import type { KvClient } from '../common/client.js';
import { hashId, replicaSet, sortClockwise } from '../common/ring.js';
import type { Member } from './ring.js';

export interface Holdings {
  /** key → the members holding it live, with their values. */
  readonly holders: Map<string, { address: string; value: string }[]>;
  readonly nodesListed: string[];
}

/** Problems with the members' pointers: each must name its clockwise neighbours. */
export async function pointerProblems(kv: KvClient, members: readonly Member[]): Promise<string[]> {
  const ring = sortClockwise(members.map((m) => ({ id: hashId(m.address), address: m.address })), 0n);
  const problems: string[] = [];
  await Promise.all(ring.map(async (node, i) => {
    const successor = ring[(i + 1) % ring.length].address;
    const predecessor = ring[(i - 1 + ring.length) % ring.length].address;
    try {
      const status = await kv.status(node.address);
      if (!status.member) problems.push(`${node.address} is not a member yet`);
      if ((status.successors[0]?.address ?? node.address) !== successor) problems.push(`${node.address}: successor ${status.successors[0]?.address} (should be ${successor})`);
      if ((status.predecessor?.address ?? node.address) !== predecessor) problems.push(`${node.address}: predecessor ${status.predecessor?.address} (should be ${predecessor})`);
    } catch (err) {
      problems.push(`${node.address}: ${(err as Error).message}`);
    }
  }));
  return problems;
}

export async function holdings(kv: KvClient, via: string): Promise<Holdings> {
  const all = await kv.all(via);
  const holders = new Map<string, { address: string; value: string }[]>();
  for (const node of all.nodes) {
    for (const item of node.items) {
      const list = holders.get(item.key) ?? [];
      list.push({ address: node.address, value: item.value });
      holders.set(item.key, list);
    }
  }
  return { holders, nodesListed: all.nodes.map((n) => n.address) };
}

/** Problems with placement: a live key must be on exactly its replica set, with one value everywhere. */
export function placementProblems(held: Holdings, members: readonly Member[], k: number, keys: readonly string[]): string[] {
  const ring = members.map((m) => ({ id: hashId(m.address), address: m.address }));
  const problems: string[] = [];
  const listed = [...held.nodesListed].sort().join();
  if (listed !== ring.map((n) => n.address).sort().join()) problems.push(`GET /kv lists [${listed}]`);
  for (const key of keys) {
    const copies = held.holders.get(key) ?? [];
    if (copies.length === 0) continue;
    const want = replicaSet(hashId(key), ring, k).map((n) => n.address).sort().join();
    const have = copies.map((c) => c.address).sort().join();
    if (have !== want) problems.push(`${key}: held by [${have}], belongs on [${want}]`);
    const values = new Set(copies.map((c) => c.value));
    if (values.size > 1) problems.push(`${key}: replicas disagree (${[...values].join(', ')})`);
  }
  return problems;
}

/** Polls `check` until it finds nothing wrong or the deadline passes; the last problems, and how long it took. */
export async function until(check: () => Promise<string[]>, timeoutMs: number, everyMs = 200): Promise<{ problems: string[]; ms: number }> {
  const start = Date.now();
  let problems: string[] = ['not checked'];
  for (;;) {
    problems = await check().catch((err: Error) => [err.message]);
    if (problems.length === 0 || Date.now() - start > timeoutMs) return { problems, ms: Date.now() - start };
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
