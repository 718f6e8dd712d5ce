/**
 * A process's ring ids entering or leaving the ring as one membership change. Every step
 * (one id spliced in or out) needs the locks of the nodes whose ranges or chains it changes;
 * here all of them are planned first, taken under one token in ascending id order, kept
 * while the steps run, and released after the last. Operations on the nodes concerned wait
 * for the whole change, and no other change interleaves with it: nobody sees a process with
 * part of its ids in the ring. (A step that finds it needs a lock the plan missed, because
 * the ring moved since, takes it then: out of order, but never held past its lease.)
 */
import { randomUUID } from 'node:crypto';
import { NotReady, retryOf } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { distance, idToHex } from '../../common/ring.js';
import { fromMemberJson, toMemberJson, type Member } from '../../common/wire.js';
import type { Lifecycle } from '../lifecycle.js';
import { kick } from '../rpc/maintenance.js';
import { join as joinCall, joinLocks, lock as lockCall, unlock } from '../rpc/membership.js';
import { findSuccessor } from '../rpc/routing.js';
import type { RpcClient } from '../rpc/spec.js';
import { retryWhileRingChanges } from '../retry.js';
import { mayRetryJoin, sleep, uniqueById, type Membership } from './membership.js';

/** One ring id of the changing process. */
export interface ChangingId {
  readonly self: Member;
  readonly lifecycle: Pick<Lifecycle, 'state'>;
  readonly membership: Pick<Membership, 'adoptRingOf' | 'joined' | 'depart' | 'departLocks'>;
}

export interface ChangeComponents {
  readonly rpc: RpcClient;
  readonly log: Logger;
  readonly lockLeaseMs: number;
}

/**
 * Joins `ids` (none of them a member yet) through `contact` as one change; retried while
 * the ring changes, each time for the ids not in yet, until the same deadline as one join.
 */
export async function joinTogether(ids: readonly ChangingId[], contact: string, components: ChangeComponents): Promise<void> {
  // Ids in already (an earlier contact got them in) keep their settings and replication as they are.
  for (const id of ids) if (id.lifecycle.state === 'joining') await id.membership.adoptRingOf(contact);
  const deadline = Date.now() + Math.max(30_000, components.lockLeaseMs * 2);
  for (let attempt = 0; ; attempt++) {
    const waiting = ids.filter((id) => id.lifecycle.state === 'joining');
    if (waiting.length === 0) return;
    try {
      await joinOnce(waiting, contact, components);
    } catch (err) {
      if (!mayRetryJoin(err, contact) || Date.now() > deadline) throw err;
      const pauseMs = Math.round(Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random()));
      components.log.info(`joining through ${contact}: ${(err as Error).message}; again in ${pauseMs} ms`, { contact, code: (err as { code?: string }).code, pauseMs });
      await sleep(pauseMs);
    }
  }
}

async function joinOnce(joiners: readonly ChangingId[], contact: string, components: ChangeComponents): Promise<void> {
  const { rpc } = components;
  const placed = await Promise.all(joiners.map(async (joiner) => {
    const { node } = await rpc.call(findSuccessor, contact, { id: idToHex(joiner.self.id), hops: 0 });
    return { joiner, successor: fromMemberJson(node) };
  }));
  if (placed.some(({ successor }) => joiners.some((j) => j.self.id === successor.id))) {
    // The ring still lists an id of this process from before a restart; its old neighbours
    // find that out at their next maintenance round, which we ask them to run now.
    await rpc.call(kick, contact, {}).catch(() => undefined);
    throw new NotReady('the ring still lists this process from before a restart', 'RING_CHANGING');
  }
  // Ids that fall between the same two members enter nearest the first of them first, so
  // that each step's successor is that gap's, which admits it.
  const gaps = new Map<string, { successor: Member; joiners: ChangingId[] }>();
  for (const { joiner, successor } of placed) {
    const gap = gaps.get(successor.address) ?? { successor, joiners: [] };
    gap.joiners.push(joiner);
    gaps.set(successor.address, gap);
  }
  for (const gap of gaps.values()) gap.joiners.sort((a, b) => (distance(a.self.id, gap.successor.id) > distance(b.self.id, gap.successor.id) ? -1 : 1));
  // A gap's first step locks the most: the later ones meet this process's ids on the walk back, which ends it sooner.
  const plans = await Promise.all([...gaps.values()].map((gap) =>
    rpc.call(joinLocks, gap.successor.address, { node: toMemberJson(gap.joiners[0].self) })));
  const planned = [...plans.flatMap((plan) => plan.members.map(fromMemberJson)), ...joiners.map((j) => j.self)];
  await withChangeLocks(planned, components, async (token, held, renew) => {
    for (const gap of gaps.values()) {
      for (const joiner of gap.joiners) {
        await renew();
        const answer = await rpc.call(joinCall, gap.successor.address, { node: toMemberJson(joiner.self), token });
        held.push(...(answer.locked ?? []).map(fromMemberJson));
        joiner.membership.joined();
      }
    }
  });
}

/**
 * Takes every id of the process out of the ring as one change (the ids in order, each
 * handing its pairs to its successor). Retried while the ring changes (a lock that lapsed
 * included), each time for the ids still in, until the same deadline as a join.
 */
export async function departTogether(ids: readonly ChangingId[], components: ChangeComponents): Promise<void> {
  const deadlineMs = Math.max(30_000, components.lockLeaseMs * 2);
  await retryWhileRingChanges(deadlineMs, () => departOnce(ids.filter((id) => id.lifecycle.state === 'ready'), components),
    (err) => retryOf(err) === 'ring');
}

async function departOnce(leaving: readonly ChangingId[], components: ChangeComponents): Promise<void> {
  if (leaving.length === 0) return;
  const planned = (await Promise.all(leaving.map((id) => id.membership.departLocks()))).flat();
  await withChangeLocks(planned, components, async (token, held, renew) => {
    for (const id of leaving) {
      await renew();
      held.push(...(await id.membership.depart(token)).locked);
    }
  });
}

/**
 * Runs `steps` holding the locks of `planned` under one token, taken in ascending id order;
 * releases those and whatever the steps took besides (they add it to `held`) at the end.
 * Each lock is a lease of one membership change's length, and this change is many: before
 * each step, `renew` extends every held lock once a third of the lease has gone by. A lock
 * that lapsed is not taken again: the renewal fails and with it the change, which is retried.
 */
async function withChangeLocks(
  planned: Member[], components: ChangeComponents,
  steps: (token: string, held: Member[], renew: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const { rpc, lockLeaseMs } = components;
  const token = randomUUID();
  const ordered = uniqueById(planned).sort((a, b) => (a.id < b.id ? -1 : 1));
  const held: Member[] = [];
  let renewedAt = Date.now();
  const renew = async () => {
    if (Date.now() - renewedAt < lockLeaseMs / 3) return;
    renewedAt = Date.now();
    // A lock that lapsed meanwhile is not taken again: the change gives up (RING_CHANGING) and is retried.
    await Promise.all(uniqueById(held).map((member) => rpc.call(lockCall, member.address, { token, leaseMs: lockLeaseMs, renew: true })));
  };
  try {
    for (const member of ordered) {
      // Taking one lock may wait up to a lease: keep the ones already held from lapsing meanwhile.
      await renew();
      await rpc.call(lockCall, member.address, { token, leaseMs: lockLeaseMs });
      held.push(member);
    }
    await steps(token, held, renew);
  } finally {
    const release = uniqueById(held);
    const released = await Promise.allSettled(release.map((member) => rpc.call(unlock, member.address, { token })));
    // A lock that lapsed during the last step went unnoticed until now: say so, for whoever reads why a change overlapped operations.
    const lapsed = released.filter((r) => r.status === 'fulfilled' && !r.value.unlocked).length;
    if (lapsed > 0) components.log.warn(`${lapsed} of the ${release.length} locks of a membership change lapsed before it released them`, { lapsed });
  }
}
