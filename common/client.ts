/**
 * The user's client: KvClient on the one HTTP transport factory. (Node-to-node calls are
 * declared in node/rpc/ and made by its RpcClient over the same transports.) Transport
 * failures arrive as ChordError.
 */
import { createTransport, type HttpOptions, type Transport } from './transport.js';
import {
  paths, type AllAnswer, type BatchAnswer, type BatchOp, type DeleteAnswer, type OverlayAnswer, type PutOptions, type QuorumAnswer, type ScanAnswer, type ScanRequest, type StatusAnswer, type ValueAnswer,
} from './wire.js';

export type { HttpOptions } from './transport.js';

/** What users (the CLI, tests, benchmarks) call on any node. */
export class KvClient {
  constructor(private readonly http: Transport) {}

  /** Inserts or overwrites; with conditions, a compare-and-set (409 VERSION_MISMATCH when it does not hold); with `ttlMs`, for that long. */
  put(node: string, key: string, value: string, options: PutOptions = {}): Promise<ValueAnswer> {
    return this.http.call(node, 'PUT', paths.key(key), { value, ...options });
  }
  get(node: string, key: string): Promise<ValueAnswer> {
    return this.http.call(node, 'GET', paths.key(key));
  }
  /** `put` in a ring of any mode: a quorum ring answers a context (and no version). */
  write(node: string, key: string, value: string, options: PutOptions = {}): Promise<ValueAnswer | QuorumAnswer> {
    return this.http.call(node, 'PUT', paths.key(key), { value, ...options });
  }
  /** `get` in a ring of any mode: a quorum ring answers a context, and siblings when concurrent writes left several values. */
  read(node: string, key: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.http.call(node, 'GET', paths.key(key));
  }
  /** Deletes; in a quorum ring, `context` (from a read) names the versions the delete supersedes. */
  delete(node: string, key: string, options: { context?: string } = {}): Promise<DeleteAnswer> {
    const query = options.context === undefined ? '' : `?${new URLSearchParams({ context: options.context }).toString()}`;
    return this.http.call(node, 'DELETE', paths.key(key) + query);
  }
  all(node: string): Promise<AllAnswer> {
    return this.http.call(node, 'GET', paths.kv);
  }
  /** Many operations in one request; every operation answers or fails on its own. */
  batch(node: string, ops: BatchOp[]): Promise<BatchAnswer> {
    return this.http.call(node, 'POST', paths.batch, { ops });
  }
  /** One page of the pairs whose keys start with `prefix`, sorted by key. */
  scan(node: string, request: ScanRequest): Promise<ScanAnswer> {
    return this.http.call(node, 'GET', paths.scan(request));
  }
  overlay(node: string): Promise<OverlayAnswer> {
    return this.http.call(node, 'GET', paths.overlay);
  }
  depart(node: string): Promise<{ departed: string }> {
    return this.http.call(node, 'POST', paths.depart, {});
  }
  status(node: string): Promise<StatusAnswer> {
    return this.http.call(node, 'GET', paths.status);
  }
  health(node: string): Promise<{ ok: boolean }> {
    return this.http.call(node, 'GET', paths.health);
  }
}

/** Builds a user client. */
export function createKvClient(options: HttpOptions): { kv: KvClient; close: () => void } {
  const caller = createTransport(options);
  return { kv: new KvClient(caller), close: () => caller.close() };
}
