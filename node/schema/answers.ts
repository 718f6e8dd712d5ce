/**
 * What the public routes answer, as JSON Schema for GET /openapi.json. Each object schema is
 * built from the wire type it describes (common/wire.ts): the compiler refuses a schema that
 * misses a field of the type or names one it lacks; the tests check real answers against them.
 */
import { ERROR_CATALOGUE } from '../../common/errors.js';
import type {
  AllAnswer, DeleteAnswer, MemberJson, OverlayAnswer, QuorumAnswer, ScanAnswer, StatusAnswer, ValueAnswer, VnodeStatus, WatchEvent,
} from '../../common/wire.js';
import { CONSISTENCIES } from '../../common/wire.js';
import type { Schema } from './check.js';

type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** An object with exactly the fields of `T`: all required but the optional ones listed; no others. */
function object<T>(description: string, properties: { [K in keyof T]-?: Schema }, optional: readonly OptionalKeys<T>[] = []): Schema {
  const names = Object.keys(properties);
  return { type: 'object', description, properties, required: names.filter((name) => !(optional as readonly string[]).includes(name)), additionalProperties: false };
}

const text = (description: string): Schema => ({ type: 'string', description });
const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description });
const list = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...(description ? { description } : {}) });

const version: Schema = {
  anyOf: [
    count('the pair\'s version; pass it as ifVersion for compare-and-set'),
    { type: 'object', description: 'quorum rings: the pair\'s dotted version vector and any siblings (read it through GET, which answers a context)' },
  ],
};
const expiresAt = count('when the pair expires (epoch ms), if it was written with ttlMs');
const hops = count('node-to-node forwards the request took');
const hexId = { type: 'string', pattern: '^[0-9a-f]{1,40}$', description: 'ring id, lowercase hex' } as const satisfies Schema;

export const member = object<MemberJson>('a ring member', { id: hexId, address: text('host:port') });

export const valueAnswer = object<ValueAnswer>('a key\'s value', {
  key: text('the key'),
  value: text('the value'),
  version,
  expiresAt,
  node: text('the node that answered (the owner that ordered a write; the tail for a linearizable read)'),
  hops,
}, ['expiresAt']);

export const quorumAnswer = object<QuorumAnswer>('a key in a quorum ring: its value, or its siblings, and a context', {
  key: text('the key'),
  value: text('the value, when one version is live'),
  siblings: list(text('a value'), 'the live values of concurrent writes, when there are several; write with the context to resolve them'),
  context: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', description: 'opaque: send it back with a PUT or DELETE to supersede every version shown' },
  node: text('the coordinator (the first live node of the key\'s preference list)'),
  hops,
}, ['value', 'siblings']);

export const deleteAnswer = object<DeleteAnswer>('a delete, acknowledged', {
  key: text('the key'),
  deleted: { const: true },
  node: text('the owner that ordered the delete'),
  hops,
});

type NodeContents = AllAnswer['nodes'][number];
export const allAnswer = object<AllAnswer>('every live pair, by node, in ring order', {
  nodes: list(object<NodeContents>('one node and the pairs it holds', {
    id: hexId,
    address: text('host:port'),
    items: list(object<NodeContents['items'][number]>('a pair held there', {
      key: text('the key'), value: text('the value'), role: { enum: ['primary', 'replica'] },
    })),
  })),
});

export const scanAnswer = object<ScanAnswer>('one page of a prefix scan', {
  items: list(object<ScanAnswer['items'][number]>('a live pair', { key: text('the key'), value: text('the value'), version, expiresAt }, ['expiresAt']),
    'pairs whose keys start with the prefix, sorted by key'),
  cursor: { type: ['string', 'null'], description: 'pass as cursor for the next page; null on the last page' },
});

export const errorBody: Schema = {
  type: 'object',
  description: 'a refusal or failure; details an error carries stand beside code and message',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE), description: 'stable; common/errors.ts gives each its status and retry class' },
        message: text('for people; may change'),
        peer: text('the node the error is about (unreachable, too slow, not a member)'),
        version: { type: ['integer', 'null'], minimum: 0, description: 'VERSION_MISMATCH: the key\'s live version (null: none)' },
        needed: count('QUORUM_NOT_MET: replicas the operation needs (R or W)'),
        answered: count('QUORUM_NOT_MET: replicas that answered or took the write'),
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
  additionalProperties: false,
};

export const batchAnswer: Schema = object<{ results: unknown }>('each operation\'s answer or error, in the order given', {
  results: list({ oneOf: [valueAnswer, quorumAnswer, deleteAnswer, errorBody] }),
});

export const overlayAnswer = object<OverlayAnswer>('the ring in order, starting at the node asked', { nodes: list(member) });

const memberOrNull: Schema = { anyOf: [member, { type: 'null' }] };

export const statusAnswer = object<StatusAnswer>('the node\'s own view', {
  id: hexId,
  address: text('host:port'),
  ready: { type: 'boolean', description: 'joined and serving' },
  state: { type: 'string', enum: ['joining', 'ready', 'departing', 'departed'], description: 'where the node is in its life; ready is state = ready' },
  member: { type: 'boolean', description: 'takes part in routing (false while a restarted node waits to be spliced in)' },
  predecessor: memberOrNull,
  successors: list(member),
  fingers: list(object<StatusAnswer['fingers'][number]>('finger index points at successor(id + 2^index)', {
    index: count('finger number'), start: hexId, node: member,
  }), 'known fingers'),
  k: { type: 'integer', minimum: 1, description: 'copies of each pair' },
  consistency: { enum: CONSISTENCIES },
  quorum: object<NonNullable<StatusAnswer['quorum']>>('quorum rings: reads wait for r copies, writes for w; sloppy: stand-ins take writes for copies that are down', {
    r: { type: 'integer', minimum: 1 }, w: { type: 'integer', minimum: 1 }, sloppy: { type: 'boolean' },
    hints: count('copies this node keeps for nodes that were down, until they answer again'),
  }),
  keys: object<StatusAnswer['keys']>('live pairs held here', { primary: count('owned'), replica: count('held for others'), total: count('all') }),
  lastMaintenanceAt: { type: ['string', 'null'], format: 'date-time', description: 'the last maintenance round' },
  vnodes: list(object<VnodeStatus>('one ring id of this process', {
    id: hexId,
    address: text('host:port#i'),
    state: { type: 'string', enum: ['joining', 'ready', 'departing', 'departed'] },
    predecessor: memberOrNull,
    successors: list(member),
    keys: object<VnodeStatus['keys']>('live pairs this ring id holds', { primary: count('owned'), replica: count('held for others'), total: count('all') }),
  }), 'a process holding several ring ids: each one\'s view (the fields above are its first id\'s; keys count all)'),
}, ['quorum', 'vnodes']);

export const healthAnswer = object<{ ok: true }>('the node has joined and serves', { ok: { const: true } });

export const departAnswer = object<{ departed: string }>('the node left; its data lives on its new holders', { departed: text('its address') });

export const watchEvent = object<WatchEvent>('one acknowledged change, as the data of an `event: change`', {
  key: text('the key'),
  value: { type: ['string', 'null'], description: 'null: deleted' },
  version,
  deleted: { type: 'boolean' },
  catchUp: { type: 'boolean', description: 'the key as it is now, after changes the stream could not replay one by one' },
}, ['catchUp']);

/** Named in the document's components and referenced by name wherever they appear. */
export const components: Readonly<Record<string, Schema>> = {
  Error: errorBody, ValueAnswer: valueAnswer, DeleteAnswer: deleteAnswer, AllAnswer: allAnswer, ScanAnswer: scanAnswer,
  QuorumAnswer: quorumAnswer, BatchAnswer: batchAnswer, OverlayAnswer: overlayAnswer, StatusAnswer: statusAnswer, Member: member, WatchEvent: watchEvent,
};
