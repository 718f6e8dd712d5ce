/**
 * The one HTTP client factory (the only module that imports got) and the two typed
 * clients built on it: PeerClient for node-to-node calls, KvClient for users.
 * got's failures are mapped back into ChordError, so callers never see a got type.
 */
import http from 'node:http';
import got, { type Got, RequestError } from 'got';
import { ChordError, PeerTimeout, PeerUnreachable } from './errors.js';
import {
  paths, SECRET_HEADER,
  type AllAnswer, type ApplyRequest, type Item, type ChainRequest, type DeleteAnswer, type ErrorBody, type KeyedItem,
  type OpAnswer, type OpRequest, type OverlayAnswer, type PeerJson, type PointersRequest, type RingSettings, type Role,
  type StatusAnswer, type ValueAnswer,
} from './wire.js';

export interface HttpOptions {
  /** Deadline for one whole request, in milliseconds. */
  timeoutMs: number;
  /** Cluster secret sent on every call, when the ring has one. */
  secret?: string;
  /** Upper bound on sockets per peer (keep-alive pools them). */
  maxSockets?: number;
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** A JSON-over-HTTP caller bound to one agent pool. */
export class HttpCaller {
  private readonly got: Got;
  private readonly agent: http.Agent;

  constructor(options: HttpOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' });
    this.got = got.extend({
      agent: { http: this.agent },
      retry: { limit: 0 }, // retries are decided by ring logic, which knows what is idempotent
      timeout: { request: options.timeoutMs },
      throwHttpErrors: false,
      responseType: 'json',
      headers: options.secret ? { [SECRET_HEADER]: options.secret } : {},
    });
  }

  /** Calls `method path` on `address` (host:port) and returns the parsed JSON body; throws ChordError. */
  async call<T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    let response;
    try {
      response = await this.got(`http://${address}${path}`, {
        method,
        json: body,
        ...(timeoutMs ? { timeout: { request: timeoutMs } } : {}),
      });
    } catch (err) {
      throw mapTransportError(address, err);
    }
    const payload = response.body as unknown;
    if (response.statusCode >= 200 && response.statusCode < 300) return payload as T;
    const error = (payload as ErrorBody | undefined)?.error;
    if (error && typeof error.code === 'string') {
      throw new ChordError(error.code, error.message, response.statusCode);
    }
    throw new ChordError('BAD_RESPONSE', `node ${address} answered ${response.statusCode} without an error body`, 502);
  }

  /** Closes pooled sockets so that a process (or a test) can exit promptly. */
  close(): void {
    this.agent.destroy();
  }
}

function mapTransportError(address: string, err: unknown): ChordError {
  if (err instanceof RequestError) {
    if (err.code === 'ETIMEDOUT') return new PeerTimeout(address, err);
    if (err.code === 'ERR_BODY_PARSE_FAILURE') {
      return new ChordError('BAD_RESPONSE', `node ${address} answered something that is not JSON`, 502, { cause: err });
    }
    return new PeerUnreachable(address, err);
  }
  return new PeerUnreachable(address, err);
}

/** Items of one node, as /rpc/items returns them. */
export interface NodeItems {
  id: string;
  address: string;
  items: (KeyedItem & { role: Role })[];
}

/** Node-to-node calls. */
export class PeerClient {
  constructor(private readonly http: HttpCaller) {}

  state(address: string, timeoutMs?: number): Promise<StatusAnswer & { settings: RingSettings }> {
    return this.http.call(address, 'GET', paths.rpc.state, undefined, timeoutMs);
  }
  op(address: string, request: OpRequest): Promise<OpAnswer> {
    return this.http.call(address, 'POST', paths.rpc.op, request);
  }
  chain(address: string, request: ChainRequest): Promise<{ applied: number }> {
    return this.http.call(address, 'POST', paths.rpc.chain, request);
  }
  read(address: string, key: string, hops: number): Promise<{ item: Item | null; node: string; hops: number }> {
    return this.http.call(address, 'POST', paths.rpc.read, { key, hops });
  }
  apply(address: string, request: ApplyRequest): Promise<{ applied: number }> {
    return this.http.call(address, 'POST', paths.rpc.apply, request);
  }
  items(address: string): Promise<NodeItems> {
    return this.http.call(address, 'GET', paths.rpc.items);
  }
  join(address: string, joiner: PeerJson): Promise<{ joined: true }> {
    return this.http.call(address, 'POST', paths.rpc.join, { node: joiner }, 60_000);
  }
  findSuccessor(address: string, id: string): Promise<{ node: PeerJson; hops: number }> {
    return this.http.call(address, 'POST', paths.rpc.findSuccessor, { id, hops: 0 });
  }
  lock(address: string, token: string, leaseMs: number): Promise<{ locked: true }> {
    return this.http.call(address, 'POST', paths.rpc.lock, { token, leaseMs }, leaseMs);
  }
  unlock(address: string, token: string): Promise<{ unlocked: boolean }> {
    return this.http.call(address, 'POST', paths.rpc.unlock, { token });
  }
  refresh(address: string, exclude: string[]): Promise<{ successors: PeerJson[] }> {
    return this.http.call(address, 'POST', paths.rpc.refresh, { exclude });
  }
  /** Sets the receiver's pointers; `successors` replaces its list when given. */
  setPointers(address: string, pointers: PointersRequest): Promise<{ ok: true }> {
    return this.http.call(address, 'POST', paths.rpc.pointers, pointers);
  }
  reconcile(address: string): Promise<{ pushed: number; dropped: number }> {
    return this.http.call(address, 'POST', paths.rpc.reconcile, {});
  }
}

/** What users (the CLI, tests, benchmarks) call on any node. */
export class KvClient {
  constructor(private readonly http: HttpCaller) {}

  put(node: string, key: string, value: string): Promise<ValueAnswer> {
    return this.http.call(node, 'PUT', paths.key(key), { value });
  }
  get(node: string, key: string): Promise<ValueAnswer> {
    return this.http.call(node, 'GET', paths.key(key));
  }
  delete(node: string, key: string): Promise<DeleteAnswer> {
    return this.http.call(node, 'DELETE', paths.key(key));
  }
  all(node: string): Promise<AllAnswer> {
    return this.http.call(node, 'GET', paths.kv);
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

/** Builds the peer client of a node. */
export function createPeerClient(options: HttpOptions): { peers: PeerClient; close: () => void } {
  const caller = new HttpCaller(options);
  return { peers: new PeerClient(caller), close: () => caller.close() };
}

/** Builds a user client. */
export function createKvClient(options: HttpOptions): { kv: KvClient; close: () => void } {
  const caller = new HttpCaller(options);
  return { kv: new KvClient(caller), close: () => caller.close() };
}
