/**
 * How a node-to-node call is declared: once, with its path, request and answer types,
 * the parser that checks a request arriving from the wire, and (where the protocol area
 * binds it) the handler. The HTTP app, the in-memory network and the client all work
 * from these declarations, so a call cannot drift apart between its two ends.
 */
import { performance } from 'node:perf_hooks';
import { ChordError, ERROR_CATALOGUE } from '../../common/errors.js';
import { processOf, vnodeIndexOf, vnodeRpcPath } from '../../common/vnodes.js';
import { noMetrics, type Metrics } from '../metrics.js';
import type { Method, Transport } from '../../common/transport.js';

export interface RpcSpec<Request, Answer> {
  readonly method: Extract<Method, 'GET' | 'POST'>;
  readonly path: string;
  /** Checks and types a request body from the wire (GET calls get `undefined`); throws InvalidRequest. */
  readonly parse: (body: unknown) => Request;
  /** A deadline other than the client's default, decided from the request. */
  readonly timeoutMs?: (request: Request) => number | undefined;
  /** Carries the answer type; never set. */
  readonly answer?: Answer;
}

export const defineRpc = <Request, Answer>(spec: RpcSpec<Request, Answer>): RpcSpec<Request, Answer> => spec;

/** A declared call bound to the function that serves it on this node. */
export interface RpcHandler {
  readonly spec: RpcSpec<unknown, unknown>;
  /** `requestId`: the public request the call was made for, if the caller named one. */
  serve(request: unknown, requestId?: string): Promise<unknown>;
}

export function handle<Request, Answer>(
  spec: RpcSpec<Request, Answer>, serve: (request: Request, requestId?: string) => Answer | Promise<Answer>,
): RpcHandler {
  return { spec: spec as RpcSpec<unknown, unknown>, serve: async (request, requestId) => serve(request as Request, requestId) };
}

/** Node-to-node calls, typed by their declarations, over whichever transport the node was given. */
export class RpcClient {
  constructor(private readonly transport: Transport, private readonly metrics: Pick<Metrics, 'call'> = noMetrics) {}

  /** `requestId`: the public request this call is made for, if any: the receiver logs it and passes it on. */
  async call<Request, Answer>(spec: RpcSpec<Request, Answer>, address: string, request: Request, requestId?: string): Promise<Answer> {
    const body = spec.method === 'GET' ? undefined : request;
    const start = performance.now();
    let outcome = 'ok';
    // A ring id of a process holding several travels to the process, its index in the path.
    const index = vnodeIndexOf(address);
    const target = index === undefined ? address : processOf(address);
    try {
      const path = index === undefined ? spec.path : vnodeRpcPath(spec.path, index);
      return await this.transport.call<Answer>(target, spec.method, path, body, spec.timeoutMs?.(request), requestId);
    } catch (err) {
      // Callers evict the member an error names: the ring id they called, not all of its process.
      const failure = index !== undefined && err instanceof ChordError && err.peer === target ? err.withPeer(address) : err;
      // Only catalogued codes become label values: a peer's answer must not mint new series.
      const code = (failure as { code?: string }).code;
      outcome = code !== undefined && code in ERROR_CATALOGUE ? code : 'ERROR';
      throw failure;
    } finally {
      this.metrics.call(spec.path, address, outcome, (performance.now() - start) / 1000);
    }
  }
}
