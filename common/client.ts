/**
 * The one HTTP client factory and the two typed clients built on it: PeerClient for
 * node-to-node calls, KvClient for users. Transport failures arrive as ChordError.
 */
import { createTransport, type HttpOptions, type Transport } from './transport.js';
import {
  paths,
  type AllAnswer, type ApplyRequest, type Item, type ChainRequest, type DeleteAnswer, type KeyedItem,
  type OpAnswer, type OpRequest, type OverlayAnswer, type PeerJson, type PointersRequest, type RingSettings, type Role,
  type StatusAnswer, type ValueAnswer,
} from './wire.js';

export type { HttpOptions } from './transport.js';

/** Items of one node, as /rpc/items returns them. */
export interface NodeItems {
  id: string;
  address: string;
  items: (KeyedItem & { role: Role })[];
}

/** Node-to-node calls. */
export class PeerClient {
  constructor(private readonly http: Transport) {}

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
  /** Chord's find_successor, recursive: `hops` forwards so far (the receiver refuses to go on past a limit). */
  findSuccessor(address: string, id: string, hops = 0): Promise<{ node: PeerJson; hops: number }> {
    return this.http.call(address, 'POST', paths.rpc.findSuccessor, { id, hops });
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
  notify(address: string, node: PeerJson): Promise<{ changed: boolean }> {
    return this.http.call(address, 'POST', paths.rpc.notify, { node });
  }
  /** Asks a node to run a maintenance round now. */
  kick(address: string): Promise<{ ok: true }> {
    return this.http.call(address, 'POST', paths.rpc.kick, {});
  }
  reconcile(address: string): Promise<{ pushed: number; dropped: number }> {
    return this.http.call(address, 'POST', paths.rpc.reconcile, {});
  }
}

/** What users (the CLI, tests, benchmarks) call on any node. */
export class KvClient {
  constructor(private readonly http: Transport) {}

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
  /** What one node holds, tombstones and roles included; a node-to-node route, so it needs the secret when the ring has one. */
  dump(node: string): Promise<NodeItems> {
    return this.http.call(node, 'GET', paths.rpc.items);
  }
}

/** Builds the peer client of a node. */
export function createPeerClient(options: HttpOptions): { peers: PeerClient; close: () => void } {
  const caller = createTransport(options);
  return { peers: new PeerClient(caller), close: () => caller.close() };
}

/** Builds a user client. */
export function createKvClient(options: HttpOptions): { kv: KvClient; close: () => void } {
  const caller = createTransport(options);
  return { kv: new KvClient(caller), close: () => caller.close() };
}
