/**
 * The wire contract: every HTTP path and every message body, public and node-to-node.
 * Ids travel as lowercase hex; `toPeer`/`fromPeer` convert at the edge.
 */
import { hexToId, idToHex } from './ring.js';

export type Consistency = 'linearizable' | 'eventual';
export const CONSISTENCIES: readonly Consistency[] = ['linearizable', 'eventual'];

/** Limits of the public API (DESIGN §3). */
export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
/** A little above the value limit, so that JSON escaping of a maximal value still parses. */
export const PUBLIC_BODY_LIMIT = '3mb';
/** Node-to-node bodies carry batches of pairs. */
export const RPC_BODY_LIMIT = '64mb';

/** Header that carries the cluster secret on node-to-node calls. */
export const SECRET_HEADER = 'x-chordkv-secret';

export const paths = {
  kv: '/kv',
  key: (key: string) => `/kv/${encodeURIComponent(key)}`,
  overlay: '/overlay',
  depart: '/depart',
  status: '/status',
  health: '/health',
  rpc: {
    state: '/rpc/state',
    op: '/rpc/op',
    chain: '/rpc/chain',
    read: '/rpc/read',
    apply: '/rpc/apply',
    items: '/rpc/items',
    join: '/rpc/join',
    lock: '/rpc/lock',
    unlock: '/rpc/unlock',
    refresh: '/rpc/refresh',
    pointers: '/rpc/pointers',
    findSuccessor: '/rpc/find-successor',
    reconcile: '/rpc/reconcile',
    notify: '/rpc/notify',
    kick: '/rpc/kick',
  },
} as const;

/** A ring member as code sees it. */
export interface Peer {
  readonly id: bigint;
  readonly address: string;
}

/** A ring member on the wire. */
export interface PeerJson {
  id: string;
  address: string;
}

export const toPeerJson = (peer: Peer): PeerJson => ({ id: idToHex(peer.id), address: peer.address });
export const fromPeerJson = (json: PeerJson): Peer => ({ id: hexToId(json.id), address: json.address });

/** One stored version of a key. `value: null` is a tombstone: the key was deleted at `version`. */
export interface Item {
  value: string | null;
  version: number;
}

export interface KeyedItem extends Item {
  key: string;
}

/** Ring-wide settings fixed by the bootstrap node and adopted by every joiner. */
export interface RingSettings {
  k: number;
  consistency: Consistency;
}

/** Answer of PUT/GET on /kv/:key. */
export interface ValueAnswer {
  key: string;
  value: string;
  node: string;
  hops: number;
}

export interface DeleteAnswer {
  key: string;
  deleted: true;
  node: string;
  hops: number;
}

export type Role = 'primary' | 'replica';

export interface AllAnswer {
  nodes: { id: string; address: string; items: { key: string; value: string; role: Role }[] }[];
}

export interface OverlayAnswer {
  nodes: PeerJson[];
}

/** A node's own view, served by GET /status and used by peers through /rpc/state. */
export interface StatusAnswer {
  id: string;
  address: string;
  ready: boolean;
  /** Takes part in routing (false for a node still waiting to be spliced in). */
  member: boolean;
  predecessor: PeerJson | null;
  successors: PeerJson[];
  /** Known fingers: finger `index` points at successor(id + 2^index), which starts at `start`. */
  fingers: { index: number; start: string; node: PeerJson }[];
  k: number;
  consistency: Consistency;
  keys: { primary: number; replica: number; total: number };
  lastMaintenanceAt: string | null;
}

/** A routed user operation (/rpc/op). `hops` counts node-to-node forwards so far. */
export type OpRequest = (
  | { op: 'put'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
) & {
  hops: number;
  /** Set when the sender found the receiver in its successor list as the key's owner. */
  final?: boolean;
};

export type OpAnswer = ValueAnswer | DeleteAnswer;

/** One write passed down a replication chain (/rpc/chain). */
export interface ChainRequest {
  items: KeyedItem[];
  /** Addresses still to visit after the receiver, in chain order. */
  rest: string[];
}

/** Pairs pushed to a node that must hold them; it keeps whichever version is newer (/rpc/apply). */
export interface ApplyRequest {
  items: KeyedItem[];
}

/** Pointers a membership change sets on a node (/rpc/pointers); `predecessor: null` means alone. */
export interface PointersRequest {
  predecessor?: PeerJson | null;
  successors?: PeerJson[];
}

export interface ErrorBody {
  error: { code: string; message: string };
}
