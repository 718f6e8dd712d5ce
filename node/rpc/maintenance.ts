/** Maintenance calls: a node's state as its neighbours poll it, Chord's notify, and a nudge to run a round now. */
import type { MemberJson, RingSettings, StatusAnswer } from '../../common/wire.js';
import { field, isMemberJson, noArguments } from './parse.js';
import { defineRpc, handle, type RpcHandler } from './spec.js';

/** A node's own view without key counts, with the ring settings a joiner adopts. */
export type StateAnswer = StatusAnswer & { settings: RingSettings };

export const state = defineRpc<void, StateAnswer>({ method: 'GET', path: '/rpc/state', parse: () => undefined });

/** The receiver's neighbour pointers, as stabilize needs them. */
export interface NeighbourView {
  member: boolean;
  predecessor: MemberJson | null;
  successors: MemberJson[];
  /** The receiver's routing view (node/routing.ts): the members after it, nearest first. Absent from nodes that predate it. */
  view?: MemberJson[];
}

/**
 * Chord's notify: the sender believes it is the receiver's predecessor. The answer carries the
 * receiver's pointers after the notify, so that a stabilize round that changes nothing is this
 * one call (the successor's state is not asked separately).
 */
export const notify = defineRpc<{ node: MemberJson }, { changed: boolean } & NeighbourView>({
  method: 'POST',
  path: '/rpc/notify',
  parse: (body) => ({ node: field(body, 'node', isMemberJson) }),
});

/** Asks the receiver to run a maintenance round now. */
export const kick = defineRpc<Record<string, never>, { ok: true }>({ method: 'POST', path: '/rpc/kick', parse: noArguments });

export interface MaintenanceService {
  state(): Promise<StateAnswer>;
  notify(candidate: MemberJson): Promise<boolean>;
  neighbourView(): NeighbourView;
  kick(): void;
}

export const maintenanceHandlers = (service: MaintenanceService): RpcHandler[] => [
  handle(state, () => service.state()),
  handle(notify, async (request) => ({ changed: await service.notify(request.node), ...service.neighbourView() })),
  handle(kick, () => {
    service.kick();
    return { ok: true as const };
  }),
];
