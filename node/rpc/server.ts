/**
 * The node's RPC handler table and its one door: every transport (the Koa app, the
 * in-memory network) checks the cluster secret with `checkSecret` and hands the call to
 * `dispatch`, which finds the handler, parses the request and serves it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ChordError } from '../../common/errors.js';
import type { RpcHandler } from './spec.js';

export class RpcServer {
  private readonly table = new Map<string, RpcHandler>();

  /** Adds handlers; a path registered twice is a wiring bug. */
  register(handlers: readonly RpcHandler[]): void {
    for (const handler of handlers) {
      if (this.table.has(handler.spec.path)) throw new Error(`two handlers for ${handler.spec.path}`);
      this.table.set(handler.spec.path, handler);
    }
  }

  /** Removes handlers (a replication strategy replaced by the ring's own). */
  unregister(handlers: readonly RpcHandler[]): void {
    for (const handler of handlers) {
      if (this.table.get(handler.spec.path) === handler) this.table.delete(handler.spec.path);
    }
  }

  /** The method `path` takes, when it is a call of this table. */
  methodOf(path: string): string | undefined {
    return this.table.get(path)?.spec.method;
  }

  get paths(): string[] {
    return [...this.table.keys()];
  }

  /** Serves one call; throws ChordError (NOT_FOUND, METHOD_NOT_ALLOWED, INVALID_REQUEST or the handler's own). */
  async dispatch(method: string, path: string, body: unknown, requestId?: string): Promise<unknown> {
    const handler = this.table.get(path);
    if (!handler) throw new ChordError('NOT_FOUND', `no route for ${method} ${path}`);
    if (handler.spec.method !== method) throw new ChordError('METHOD_NOT_ALLOWED', `${path} takes ${handler.spec.method}, not ${method}`);
    return handler.serve(handler.spec.parse(method === 'GET' ? undefined : body), requestId);
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Refuses a caller without the ring's secret (when it has one). Digests are compared in
 * constant time, so the time of a refusal says nothing about how much of a guess was right.
 */
export function checkSecret(expected: string | undefined, presented: string | undefined): void {
  if (!expected) return;
  if (presented === undefined || !timingSafeEqual(digest(expected), digest(presented))) {
    throw new ChordError('UNAUTHORIZED', 'this call needs the cluster secret');
  }
}
