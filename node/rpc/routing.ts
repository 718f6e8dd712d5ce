/** Routing calls: a user operation on its way to the key's owner, and Chord's find_successor. */
import { ChordError, InvalidRequest, PeerTimeout, type ErrorBody } from '../../common/errors.js';
import { validRequestId } from '../../common/request-id.js';
import { MAX_BATCH_OPS, type MemberJson, type OpAnswer, type PutOptions } from '../../common/wire.js';
import { check as checkSchema } from '../schema/check.js';
import { deleteParams, keySchema } from '../schema/requests.js';
import { field, isHexId, isHops, isWriteId, parsePut } from './parse.js';
import { defineRpc, handle, type RpcHandler } from './spec.js';

/** A routed user operation. `hops` counts node-to-node forwards so far. */
export type OpRequest = (
  | ({ op: 'put'; key: string; value: string } & PutOptions)
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string; context?: string }
) & {
  hops: number;
  /** Set when the sender found the receiver in its successor list as the key's owner. */
  final?: boolean;
  /** A write's id, given by the node it entered at and kept through retries, so the owner applies it once (see RecentWrites). */
  id?: string;
};

export interface FindSuccessorRequest {
  /** The id looked up, hex. */
  id: string;
  hops: number;
}

export interface FindSuccessorAnswer {
  node: MemberJson;
  hops: number;
}

export const op = defineRpc<OpRequest, OpAnswer>({ method: 'POST', path: '/rpc/op', parse: parseOp });

/** Recursive: the receiver answers or asks the node closest before the id, counting hops. */
export const findSuccessor = defineRpc<FindSuccessorRequest, FindSuccessorAnswer>({
  method: 'POST',
  path: '/rpc/find-successor',
  parse: (body) => ({ id: field(body, 'id', isHexId), hops: field(body, 'hops', Number.isInteger) }),
});

/** One result of a batch: the operation's answer, or its error as a response body carries it. */
export type BatchResult = OpAnswer | ErrorBody;

/** Operations passed on together: the receiver runs those it owns and passes the rest on. */
export const batch = defineRpc<{ ops: OpRequest[]; hops: number }, { results: BatchResult[] }>({
  method: 'POST',
  path: '/rpc/batch',
  parse: (body) => ({
    ops: field<unknown[]>(body, 'ops', (v) => Array.isArray(v) && v.length <= MAX_BATCH_OPS).map(parseOp),
    hops: field(body, 'hops', isHops),
  }),
});

/** One forwarded operation's outcome: its answer, or its error with the status it would have been answered with alone. */
export type ForwardResult = { answer: OpAnswer } | { status: number; body: ErrorBody };

/** An operation of a forwarded batch, with the id of the user request it belongs to. */
export interface ForwardItem {
  request: OpRequest;
  requestId?: string;
}

/** Operations forwarded together (node/forward-batch.ts): each runs as if it had arrived alone by `op`. */
export const ops = defineRpc<{ ops: ForwardItem[] }, { results: ForwardResult[] }>({
  method: 'POST',
  path: '/rpc/ops',
  parse: (body) => ({
    ops: field<unknown[]>(body, 'ops', (v) => Array.isArray(v) && v.length <= MAX_BATCH_OPS).map((item) => {
      const { request, requestId } = (item ?? {}) as Record<string, unknown>;
      return { request: parseOp(request), ...(typeof requestId === 'string' ? { requestId } : {}) };
    }),
  }),
});

/** What the routing calls are served by; `requestId` is the public request a call was made for. */
export interface RoutingService {
  route(request: OpRequest, requestId?: string): Promise<OpAnswer>;
  findSuccessor(idHex: string, hops: number, requestId?: string): Promise<FindSuccessorAnswer>;
  batch(ops: OpRequest[], hops: number, requestId?: string): Promise<BatchResult[]>;
}

/** How the receiver of forwarded batches keeps one slow operation from holding the others' answers. */
export interface ForwardedOptions {
  /** This node's address, named by the timeout answer. */
  self: string;
  /** An operation not done by then is answered PEER_TIMEOUT (it goes on), as it would have timed out alone at its caller. */
  deadlineMs: number;
  /** Failures that are not ChordErrors: logged here (with the operation's request id), answered INTERNAL without details, as the HTTP boundary does. */
  onUnexpected: (err: unknown, requestId: string | undefined) => void;
}

/**
 * Runs each forwarded operation under its own request id, all at once; each answers or fails
 * on its own. The answer waits for the slowest, so each gets a deadline under the caller's.
 */
async function runForwarded(service: RoutingService, items: readonly ForwardItem[], options: ForwardedOptions): Promise<ForwardResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ForwardResult>((resolve) => {
    timer = setTimeout(() => {
      const error = new PeerTimeout(options.self);
      resolve({ status: error.status, body: error.toJSON() });
    }, options.deadlineMs);
  });
  try {
    return await Promise.all(items.map(({ request, requestId }) => Promise.race([
      service.route(request, validRequestId(requestId)).then(
        (answer): ForwardResult => ({ answer }),
        (err: unknown): ForwardResult => {
          if (!(err instanceof ChordError)) options.onUnexpected(err, validRequestId(requestId));
          const error = err instanceof ChordError ? err : new ChordError('INTERNAL', 'internal error; see the node log');
          return { status: error.status, body: error.toJSON() };
        },
      ),
      late,
    ])));
  } finally {
    clearTimeout(timer);
  }
}

export const routingHandlers = (service: RoutingService, forwarded: ForwardedOptions): RpcHandler[] => [
  handle(op, (request, requestId) => service.route(request, requestId)),
  handle(findSuccessor, (request, requestId) => service.findSuccessor(request.id, request.hops, requestId)),
  handle(batch, async (request, requestId) => ({ results: await service.batch(request.ops, request.hops, requestId) })),
  handle(ops, async (request) => ({ results: await runForwarded(service, request.ops, forwarded) })),
];


/** A routed delete's context, checked as the public API checks it. */
const deleteContextOf = (context: unknown): { context?: string } =>
  (context === undefined ? {} : { context: checkSchema<string>(deleteParams[0].schema, context) });

/** A routed operation from another node; checked as strictly as a user request. */
export function parseOp(body: unknown): OpRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  // Held to the public API's key rule, or a caller with the secret could store a pair no public request can name.
  const key = checkSchema<string>(keySchema, b.key);
  const hops = isHops(b.hops) ? b.hops as number : 0;
  const final = b.final === true;
  const id = isWriteId(b.id) ? { id: b.id } : {};
  if (b.op === 'put') {
    const { value, options } = parsePut(b);
    return { op: 'put', key, value, ...options, hops, final, ...id };
  }
  if (b.op === 'delete') return { op: b.op, key, hops, final, ...id, ...deleteContextOf(b.context) };
  if (b.op === 'get') return { op: b.op, key, hops, final };
  throw new InvalidRequest('INVALID_OP', 'op must be put, get or delete');
}
