/**
 * The public wire contract: every path and message body of the HTTP API, and the shapes
 * node-to-node calls share with it (members, items, ring settings). The node-to-node
 * calls themselves are declared in node/rpc/. Ids travel as lowercase hex;
 * `toMemberJson`/`fromMemberJson` convert at the edge.
 */
import { hexToId, idToHex } from './ring.js';

/**
 * Ring-wide settings fixed by the bootstrap node and adopted by every joiner: one variant
 * per consistency mode, so that a mode with settings of its own adds a variant here and
 * nothing that only needs the number of copies (routing, membership) changes.
 */
export type RingSettings =
  | ({ readonly mode: 'linearizable'; readonly k: number } & Placement)
  | ({ readonly mode: 'eventual'; readonly k: number } & Placement)
  | QuorumSettings;

/** How many ring ids each process holds (× its own weight); absent: 1, one id per process. */
export interface Placement {
  readonly vnodes?: number;
}

/** Dynamo-style quorums: N = k copies, a write waits for `w` of them, a read for `r`; `sloppy`: stand-ins take writes for copies that are down. */
export interface QuorumSettings extends Placement {
  readonly mode: 'quorum';
  readonly k: number;
  readonly r: number;
  readonly w: number;
  readonly sloppy: boolean;
}

export type Consistency = RingSettings['mode'];
export const CONSISTENCIES: readonly Consistency[] = ['linearizable', 'eventual', 'quorum'];

/** The default read and write quorum for N copies: a majority, so that every read meets the last acknowledged write. */
export const majority = (n: number): number => Math.floor(n / 2) + 1;

/** The settings in a few words, for logs and launch lines: `quorum N=3 R=2 W=2 sloppy`. */
export function describeSettings(settings: RingSettings): string {
  const vnodes = (settings.vnodes ?? 1) > 1 ? ` vnodes=${settings.vnodes}` : '';
  if (settings.mode !== 'quorum') return settings.mode + vnodes;
  return `quorum N=${settings.k} R=${settings.r} W=${settings.w}${settings.sloppy ? ' sloppy' : ''}${vnodes}`;
}

/** How many nodes hold each pair (the owner included) under `settings`. */
export const replicaCount = (settings: RingSettings): number => settings.k;

/** Limits of the public API (DESIGN §3). */
export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
/** A little above the value limit, so that JSON escaping of a maximal value still parses. */
export const PUBLIC_BODY_LIMIT = '3mb';
/** Node-to-node bodies carry batches of pairs. */
export const RPC_BODY_LIMIT = '64mb';

/** Every node-to-node call lives under this prefix (node/rpc/ declares them). */
export const RPC_PREFIX = '/rpc/';

/** Header that carries the cluster secret on node-to-node calls. */
export const SECRET_HEADER = 'x-chordkv-secret';
/** The id of the public request a call is made for: echoed to the client, sent on every node-to-node call it causes. */
export const REQUEST_ID_HEADER = 'x-request-id';

export const paths = {
  kv: '/kv',
  batch: '/kv/_batch',
  watch: (key: string) => `/watch/${encodeURIComponent(key)}`,
  watchPrefix: (prefix: string) => `/watch?${new URLSearchParams({ prefix }).toString()}`,
  scan: ({ prefix, limit, cursor }: ScanRequest) =>
    `/kv?${new URLSearchParams({ prefix, limit: String(limit), ...(cursor ? { cursor } : {}) }).toString()}`,
  key: (key: string) => `/kv/${encodeURIComponent(key)}`,
  overlay: '/overlay',
  depart: '/depart',
  status: '/status',
  health: '/health',
  metrics: '/metrics',
  ui: '/ui',
} as const;

/** A node's address as the ring names it: HOST:PORT. */
export const HOST_PORT = /^[^\s:/]+:\d{1,5}$/;
export const isHostPort = (v: unknown): v is string => typeof v === 'string' && v.length <= 300 && HOST_PORT.test(v);
/** A member's address: its process's HOST:PORT, with `#i` when the process holds several ring ids. */
export const MEMBER_ADDRESS = /^[^\s:/]+:\d{1,5}(#\d{1,4})?$/;
export const isMemberAddress = (v: unknown): v is string => typeof v === 'string' && v.length <= 300 && MEMBER_ADDRESS.test(v);

/**
 * A ring member as code sees it: a ring id and the address of the process behind it.
 * Members are told apart by id (see `sameMember`); the ids of one process share its HOST:PORT
 * (see common/vnodes.ts).
 */
export interface Member {
  readonly id: bigint;
  readonly address: string;
}

/** A ring member on the wire. */
export interface MemberJson {
  id: string;
  address: string;
}

export const toMemberJson = (member: Member): MemberJson => ({ id: idToHex(member.id), address: member.address });
export const fromMemberJson = (json: MemberJson): Member => ({ id: hexToId(json.id), address: json.address });
export const sameMember = (a: Member | null | undefined, b: Member | null | undefined): boolean =>
  !!a && !!b && a.id === b.id;

/**
 * A version as stored and sent. Only the version policy (node/versions/) compares or
 * creates versions; everything else passes them along unread.
 */
export type Version = number | DottedVersion;

/**
 * Quorum mode's version of a key (node/versions/dotted.ts): the dot and past of the item's
 * value, and the concurrent writes beside it, if any (siblings, each with its own value).
 */
export interface DottedVersion {
  dot: [string, number];
  past: Record<string, number>;
  siblings?: { value: string | null; dot: [string, number]; past: Record<string, number> }[];
}

/** A version as people read it: a number as is, a quorum ring's dotted version as JSON. */
export const showVersion = (version: Version): string => (typeof version === 'number' ? String(version) : JSON.stringify(version));

/**
 * One stored version of a key. `value: null` is a tombstone: the key was deleted at `version`.
 * `expiresAt` (epoch ms, set by the key's head from a PUT's `ttlMs`): from then on the key
 * reads as absent, and the head soon replaces it with a tombstone on every replica.
 */
export interface Item {
  value: string | null;
  version: Version;
  expiresAt?: number;
}

/** The item exactly as a store keeps it: no fields but these, no undefined expiry. */
export const storedItem = (item: Item): Item =>
  (item.expiresAt === undefined ? { value: item.value, version: item.version } : { value: item.value, version: item.version, expiresAt: item.expiresAt });

/** Whether `item` holds a value at `nowMs` (not a tombstone, not expired). */
export const isLive = (item: Item | null | undefined, nowMs: number): item is Item & { value: string } =>
  !!item && item.value !== null && (item.expiresAt === undefined || item.expiresAt > nowMs);

export interface KeyedItem extends Item {
  key: string;
}

/** A write a linearizable ring's node applied, less its value, by the write's id (see node/replication/write-ids.ts). */
export interface WriteRecord {
  key: string;
  version: Version;
  expiresAt?: number;
}

/** Answer of PUT/GET on /kv/:key; `version` is the pair's version, for compare-and-set. */
export interface ValueAnswer {
  key: string;
  value: string;
  version: Version;
  /** When the pair expires (epoch ms), if it was written with `ttlMs`. */
  expiresAt?: number;
  node: string;
  hops: number;
}

/**
 * Conditions of a compare-and-set PUT: apply only when the key's live version is `ifVersion`,
 * or (`ifAbsent`) when the key has no live value. Otherwise 409 VERSION_MISMATCH.
 */
export interface PutConditions {
  ifVersion?: Version;
  ifAbsent?: boolean;
}

/**
 * Options of a PUT: compare-and-set conditions, a time to live in milliseconds, and (quorum
 * rings) the context of a read, naming the versions this write supersedes.
 */
export interface PutOptions extends PutConditions {
  ttlMs?: number;
  context?: string;
}

/** One operation of POST /kv/_batch. */
export type BatchOp =
  | ({ op: 'put'; key: string; value: string } & PutOptions)
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string };

/** One result of a batch, in the place of its operation: the answer, or that operation's error. */
export type BatchAnswer = { results: (ValueAnswer | DeleteAnswer | ErrorBody)[] };

/** One change of a watched key, as GET /watch/:key streams it. `catchUp`: the key as it is now, after changes the stream could not replay one by one. */
export interface WatchEvent {
  key: string;
  value: string | null;
  version: Version;
  deleted: boolean;
  catchUp?: boolean;
}

/** The longest time to live a PUT may ask for (about 100 years). */
export const MAX_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

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

/** Everything one node holds, tombstones included, with each pair's role there (`chordkv dump`). */
export interface NodeItems {
  id: string;
  address: string;
  items: (KeyedItem & { role: Role })[];
}

/** One page of a prefix scan (GET /kv?prefix=&limit=&cursor=): pairs sorted by key. */
export interface ScanAnswer {
  items: { key: string; value: string; version: Version; expiresAt?: number }[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  cursor: string | null;
}

/** A prefix scan request: keys starting with `prefix`, after the page `cursor` ended, at most `limit`. */
export interface ScanRequest {
  prefix: string;
  limit: number;
  cursor?: string;
}

/** Operations per batch (POST /kv/_batch), at most. */
export const MAX_BATCH_OPS = 1000;

/** Pages hold at most this many pairs. */
export const MAX_SCAN_LIMIT = 1000;
export const DEFAULT_SCAN_LIMIT = 100;

export interface OverlayAnswer {
  nodes: MemberJson[];
}

/** Where a node is in its life: it serves requests only when ready. */
export type NodeState = 'joining' | 'ready' | 'departing' | 'departed';

/** A node's own view, served by GET /status and used by peers through /rpc/state. */
export interface StatusAnswer {
  id: string;
  address: string;
  ready: boolean;
  /** Where the node is in its life; `ready` is `state === 'ready'`. */
  state: NodeState;
  /** Takes part in routing (false for a node still waiting to be spliced in). */
  member: boolean;
  predecessor: MemberJson | null;
  successors: MemberJson[];
  /** Known fingers: finger `index` points at successor(id + 2^index), which starts at `start`. */
  fingers: { index: number; start: string; node: MemberJson }[];
  k: number;
  consistency: Consistency;
  /** Quorum rings only: R, W, sloppy, and the hints this node keeps. */
  quorum?: { r: number; w: number; sloppy: boolean; hints: number };
  keys: { primary: number; replica: number; total: number };
  lastMaintenanceAt: string | null;
  /**
   * A process holding several ring ids (virtual nodes): each id's own view, in id order. The
   * fields above are then its first id's, except `keys`, which counts every id's pairs.
   */
  vnodes?: VnodeStatus[];
}

export interface VnodeStatus {
  id: string;
  address: string;
  state: NodeState;
  predecessor: MemberJson | null;
  successors: MemberJson[];
  keys: { primary: number; replica: number; total: number };
}

/**
 * A read or write in a quorum ring: `value` when one version is live, `siblings` (the live
 * values, in a fixed order) when concurrent writes left several. `context` is opaque: a PUT
 * or DELETE that sends it back supersedes every version the answer showed.
 */
export interface QuorumAnswer {
  key: string;
  value?: string;
  siblings?: string[];
  context: string;
  node: string;
  hops: number;
}

export type OpAnswer = ValueAnswer | DeleteAnswer | QuorumAnswer;

import type { ErrorBody } from './errors.js';

export type { ErrorBody };
