/** Membership calls: admitting a joiner, the locks a join or depart holds, and the pointers it sets. */
import { InvalidRequest } from '../../common/errors.js';
import type { MemberJson } from '../../common/wire.js';
import { field, isAddressList, isLeaseMs, isMemberJson, isString } from './parse.js';
import { defineRpc, handle, type RpcHandler } from './spec.js';

/** Pointers a membership change sets on a node; `predecessor: null` means alone. */
export interface PointersRequest {
  predecessor?: MemberJson | null;
  successors?: MemberJson[];
}

/**
 * Run by the joiner's successor: it hands the joiner its pairs and splices it in. With
 * `token`, the join is one step of a larger change (a process's ids entering together): the
 * locks are taken under that token and kept, and the answer names them for the change to release.
 */
export const join = defineRpc<{ node: MemberJson; token?: string }, { joined: true; locked?: MemberJson[] }>({
  method: 'POST',
  path: '/rpc/join',
  parse: (body) => ({
    node: field(body, 'node', isMemberJson),
    ...((body as { token?: unknown })?.token === undefined ? {} : { token: field<string>(body, 'token', isString) }),
  }),
  timeoutMs: () => 60_000,
});

/** The members whose locks a join of `node` through the receiver (its successor) takes, the receiver first. */
export const joinLocks = defineRpc<{ node: MemberJson }, { members: MemberJson[] }>({
  method: 'POST',
  path: '/rpc/join-locks',
  parse: (body) => ({ node: field(body, 'node', isMemberJson) }),
});

/**
 * Takes the receiver's membership lock exclusively for `token`; the call may wait as long as
 * the lease. With `renew`, only extends a hold `token` still has: RING_CHANGING when it lapsed.
 */
export const lock = defineRpc<{ token: string; leaseMs: number; renew?: true }, { locked: true }>({
  method: 'POST',
  path: '/rpc/lock',
  parse: (body) => ({
    token: field(body, 'token', isString), leaseMs: field(body, 'leaseMs', isLeaseMs),
    ...((body as { renew?: unknown })?.renew === undefined ? {} : { renew: field<true>(body, 'renew', (v) => v === true) }),
  }),
  timeoutMs: (request) => request.leaseMs,
});

export const unlock = defineRpc<{ token: string }, { unlocked: boolean }>({
  method: 'POST',
  path: '/rpc/unlock',
  parse: (body) => ({ token: field(body, 'token', isString) }),
});

/** Rebuilds the receiver's successor list, skipping the addresses in `exclude`. */
export const refresh = defineRpc<{ exclude: string[] }, { successors: MemberJson[] }>({
  method: 'POST',
  path: '/rpc/refresh',
  parse: (body) => ({ exclude: field(body, 'exclude', isAddressList) }),
});

/** Sets the receiver's pointers; `successors` replaces its list when given. */
export const pointers = defineRpc<PointersRequest, { ok: true }>({ method: 'POST', path: '/rpc/pointers', parse: parsePointers });

export interface MembershipService {
  admit(joiner: MemberJson, token?: string): Promise<{ joined: true; locked?: MemberJson[] }>;
  joinLocks(joiner: MemberJson): Promise<MemberJson[]>;
  lock(token: string, leaseMs: number): Promise<void>;
  renewLock(token: string, leaseMs: number): void;
  unlock(token: string): boolean;
  refresh(exclude: string[]): Promise<MemberJson[]>;
  setPointers(pointers: PointersRequest): void;
}

export const membershipHandlers = (service: MembershipService): RpcHandler[] => [
  handle(join, (request) => service.admit(request.node, request.token)),
  handle(joinLocks, async (request) => ({ members: await service.joinLocks(request.node) })),
  handle(lock, async (request) => {
    if (request.renew) service.renewLock(request.token, request.leaseMs);
    else await service.lock(request.token, request.leaseMs);
    return { locked: true as const };
  }),
  handle(unlock, (request) => ({ unlocked: service.unlock(request.token) })),
  handle(refresh, async (request) => ({ successors: await service.refresh(request.exclude) })),
  handle(pointers, (request) => {
    service.setPointers(request);
    return { ok: true as const };
  }),
];

function parsePointers(body: unknown): PointersRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const predecessorOk = b.predecessor === undefined || b.predecessor === null || isMemberJson(b.predecessor);
  const successorsOk = b.successors === undefined || (Array.isArray(b.successors) && b.successors.every(isMemberJson));
  if (typeof b !== 'object' || Array.isArray(b) || !predecessorOk || !successorsOk) {
    throw new InvalidRequest('INVALID_REQUEST', 'pointers need predecessor (a peer or null) and successors (a list of peers)');
  }
  return b;
}
