/**
 * One process holding one or several ring ids (virtual nodes): a ChordNode per id, each
 * with its own routing state and its own part of the process's storage, behind one HTTP
 * server. This is the façade the HTTP adapter serves: user requests enter the ring at a
 * ready id (routing takes them on from there), node-to-node calls reach the id they name,
 * and a depart takes every id out of the ring.
 */
import { Conflict } from '../common/errors.js';
import { distance, hashId } from '../common/ring.js';
import { processOf } from '../common/vnodes.js';
import type { BatchOp, DeleteAnswer, NodeState, PutOptions, QuorumAnswer, ScanRequest, StatusAnswer, ValueAnswer, VnodeStatus, WatchEvent } from '../common/wire.js';
import type { ChordNode } from './chord-node.js';
import { departTogether, type ChangeComponents } from './membership/process-change.js';
import { ProcessRpc } from './rpc/process-rpc.js';

export class ProcessNode {
  /** Node-to-node calls for every id of this process. */
  readonly rpcServer: ProcessRpc;

  /** `vnodes[i]` is ring id i of the process at `address`; `change` takes several of them in and out of the ring as one membership change. */
  constructor(readonly address: string, readonly vnodes: readonly ChordNode[], private readonly change?: ChangeComponents) {
    if (vnodes.length === 0) throw new RangeError('a process holds at least one ring id');
    this.rpcServer = new ProcessRpc(address, vnodes.map((v) => v.rpcServer));
  }

  /** The process's state: joining until every id has joined, departed once every id has left. */
  get state(): NodeState {
    const states = this.vnodes.map((v) => v.state);
    if (states.includes('joining')) return 'joining';
    if (states.every((s) => s === 'departed')) return 'departed';
    if (states.some((s) => s !== 'ready')) return 'departing';
    return 'ready';
  }

  put(key: string, value: string, options: PutOptions = {}, reqId?: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.entry(key).put(key, value, options, reqId);
  }

  get(key: string, reqId?: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.entry(key).get(key, reqId);
  }

  delete(key: string, options: { context?: string } = {}, reqId?: string): Promise<DeleteAnswer> {
    return this.entry(key).delete(key, options, reqId);
  }

  batch(ops: BatchOp[], reqId?: string): ReturnType<ChordNode['batch']> {
    return this.entry().batch(ops, reqId);
  }

  watch(key: string, signal: AbortSignal, reqId?: string): Promise<AsyncIterable<WatchEvent>> {
    return this.entry().watch(key, signal, reqId);
  }

  watchPrefix(prefix: string, signal: AbortSignal, reqId?: string): Promise<AsyncIterable<WatchEvent>> {
    return this.entry().watchPrefix(prefix, signal, reqId);
  }

  overlay(): ReturnType<ChordNode['overlay']> {
    return this.entry().overlay();
  }

  ringContents(reqId?: string): ReturnType<ChordNode['ringContents']> {
    return this.entry().ringContents(reqId);
  }

  prefixScan(request: ScanRequest, reqId?: string): ReturnType<ChordNode['prefixScan']> {
    return this.entry().prefixScan(request, reqId);
  }

  /** The first id's view; with several ids, each id's view too, and keys counted over all of them. */
  async status(): Promise<StatusAnswer> {
    if (this.vnodes.length === 1) return this.vnodes[0].status();
    const views = await Promise.all(this.vnodes.map((v) => v.status()));
    const vnodes: VnodeStatus[] = views
      .map(({ id, address, state, predecessor, successors, keys }) => ({ id, address, state, predecessor, successors, keys }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const sum = (field: keyof StatusAnswer['keys']) => views.reduce((total, v) => total + v.keys[field], 0);
    return { ...views[0], state: this.state, ready: this.state === 'ready', keys: { primary: sum('primary'), replica: sum('replica'), total: sum('total') }, vnodes };
  }

  /**
   * Takes every id out of the ring, several as one membership change (each hands its pairs
   * to its successor, which a later step hands on in turn). The last process of a ring
   * cannot leave it: that is refused before any id departs.
   */
  async depart(): Promise<{ departed: string }> {
    if (this.vnodes.length === 1) {
      if (this.vnodes[0].state !== 'departed') await this.vnodes[0].depart();
      return { departed: this.address };
    }
    const others = this.vnodes.some((v) => v.routing.successors.some((m) => processOf(m.address) !== this.address));
    if (!others) throw new Conflict('LAST_NODE', 'the last process of a ring cannot depart; stop it instead');
    if (!this.change) throw new RangeError('a process of several ids needs the means of a membership change to depart');
    await departTogether(this.vnodes, this.change);
    return { departed: this.address };
  }

  async close(): Promise<void> {
    await Promise.all(this.vnodes.map((v) => v.close()));
  }

  /**
   * Where a user request enters the ring: the id of this process that owns `key`, when one
   * does (no forward at all), else the one that most closely precedes it, whose fingers reach
   * furthest towards the owner; else a ready id (after a depart, any: a departed id still forwards).
   */
  private entry(key?: string): ChordNode {
    const ready = this.vnodes.filter((v) => v.state === 'ready');
    if (key !== undefined && ready.length > 1) {
      const id = hashId(key);
      const owner = ready.find((v) => v.routing.owns(id));
      if (owner) return owner;
      return ready.reduce((best, v) => (distance(v.self.id, id) < distance(best.self.id, id) ? v : best));
    }
    return ready[0] ?? this.vnodes[0];
  }
}
