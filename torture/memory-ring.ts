/**
 * The torture ring without network namespaces: every node in this process, calling the
 * others over the in-memory network, whose links the nemesis cuts. The public API is still
 * real HTTP on 127.0.0.1, so clients reach both sides of a cut (a harsher partition than a
 * link taken down, where the clients sit on one side). A killed node is stopped and started
 * again on its port with its data dir; a process cannot be paused from inside itself, so the
 * pause fault is not available here.
 */
import { join } from 'node:path';
import { resolveConfig } from '../node/config.js';
import { MemoryNetwork } from '../node/rpc/memory-network.js';
import { startNode, type RunningNode } from '../node/start.js';
import { RingBase, type Member, type RingOptions } from './ring.js';

export class MemoryRing extends RingBase {
  private readonly running = new Map<number, RunningNode>();

  constructor(private readonly options: Omit<RingOptions, 'network'>, private readonly network: MemoryNetwork) {
    super(options.nodes);
  }

  async add(): Promise<Member> {
    const slot = this.members.length;
    const member: Member = { slot, address: '', dataDir: join(this.options.dir, `node-${slot}`), state: 'killed', isolated: false, args: [], bootstrap: slot === 0 };
    this.members.push(member);
    await this.start(member);
    return member;
  }

  async start(member: Member): Promise<void> {
    const contact = member.bootstrap ? undefined : this.healthy.find((m) => m !== member)?.address;
    const port = member.address ? Number(member.address.split(':')[1]) : 0;
    const config = resolveConfig({
      host: '127.0.0.1', port, dataDir: member.dataDir, k: this.options.k, consistency: this.options.mode, contact,
      requestTimeoutMs: this.options.requestTimeoutMs, logLevel: 'error', metrics: false,
    });
    const node = await startNode(config, { network: this.network });
    Object.assign(member, { address: node.address });
    this.running.set(member.slot, node);
    member.state = 'up';
  }

  async kill(member: Member): Promise<void> {
    member.state = 'killed';
    await this.running.get(member.slot)?.stop();
    this.running.delete(member.slot);
  }

  pause(): void {
    throw new Error('a node in this process cannot be paused');
  }

  resume(): void {}

  async depart(member: Member, request: (address: string) => Promise<unknown>): Promise<void> {
    const node = this.running.get(member.slot);
    await request(member.address);
    member.state = 'departed';
    await node?.departed;
    await node?.stop();
    this.running.delete(member.slot);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((node) => node.stop()));
    this.running.clear();
  }
}
