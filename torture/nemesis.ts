/**
 * The nemesis: one fault at a time on a seeded schedule, each healed before the next, so a
 * run stays within what the ring promises to survive (k - 1 holders of a key down at once)
 * while every kind of fault still lands in the middle of client traffic.
 */
import { performance } from 'node:perf_hooks';
import type { Network } from './net.js';
import type { Rng } from './prng.js';
import type { Member, Ring } from './ring.js';

export const FAULTS = ['kill', 'pause', 'partition', 'join', 'depart'] as const;
export type Fault = (typeof FAULTS)[number];

export interface NemesisEvent {
  readonly at: number;
  readonly fault: Fault | 'heal';
  readonly target: string;
  readonly note?: string;
}

export interface NemesisOptions {
  readonly faults: readonly Fault[];
  readonly random: Rng;
  readonly network: Network;
  /** Never depart below this many members, nor join above `maxNodes`. */
  readonly minNodes: number;
  readonly maxNodes: number;
  /** How long a fault lasts: beyond the failure detector's timeout. */
  readonly holdMs: [number, number];
  /** Quiet time between faults. */
  readonly gapMs: [number, number];
  readonly depart: (address: string) => Promise<unknown>;
}

export class Nemesis {
  readonly events: NemesisEvent[] = [];
  private stopped = false;

  constructor(private readonly ring: Ring, private readonly options: NemesisOptions) {}

  /** Injects faults until `stop` resolves, then heals whatever is still broken. */
  async run(stop: Promise<void>): Promise<void> {
    const { random } = this.options;
    const wake = stop.then(() => { this.stopped = true; });
    while (!this.stopped) {
      await Promise.race([sleep(random.between(...this.options.gapMs)), wake]);
      if (this.stopped || this.options.faults.length === 0) break;
      await this.inject(random.pick(this.options.faults));
    }
  }

  private async inject(fault: Fault): Promise<void> {
    const { random, network } = this.options;
    const ring = this.ring;
    const up = ring.healthy;
    if (up.length === 0) return; // nothing healthy to fault: the previous fault has not healed
    const hold = () => sleep(random.between(...this.options.holdMs));
    switch (fault) {
      case 'kill': {
        const victim = random.pick(up);
        this.log('kill', victim);
        await ring.kill(victim);
        await hold();
        await ring.start(victim);
        this.log('heal', victim, 'restarted with its data');
        return;
      }
      case 'pause': {
        const victim = random.pick(up);
        this.log('pause', victim);
        ring.pause(victim);
        await hold();
        ring.resume(victim);
        this.log('heal', victim, 'resumed');
        return;
      }
      case 'partition': {
        if (network.kind === 'loopback') return;
        if (random.next() < 0.5) {
          const victim = random.pick(up);
          this.log('partition', victim, 'cut off');
          this.setIsolated([victim], true, () => network.isolate(victim.slot, true));
          await hold();
          this.setIsolated([victim], false, () => network.isolate(victim.slot, false));
          this.log('heal', victim, 'link up');
        } else {
          const sideB = ring.joined.filter((m) => m.slot % 2 === 1);
          this.events.push({ at: performance.now(), fault: 'partition', target: sideB.map((m) => m.address).join(' '), note: 'ring split in two' });
          this.setIsolated(sideB, true, () => network.split(true));
          await hold();
          this.setIsolated(sideB, false, () => network.split(false));
          this.events.push({ at: performance.now(), fault: 'heal', target: sideB.map((m) => m.address).join(' '), note: 'split healed' });
        }
        return;
      }
      case 'join': {
        if (ring.joined.length >= this.options.maxNodes) return;
        const member = await ring.add();
        this.log('join', member);
        return;
      }
      case 'depart': {
        if (ring.joined.length <= this.options.minNodes) return;
        const victim = random.pick(up);
        this.log('depart', victim);
        try {
          await ring.depart(victim, this.options.depart);
        } catch (err) {
          this.log('depart', victim, `refused: ${(err as Error).message}`);
        }
        return;
      }
    }
  }

  private setIsolated(members: Member[], isolated: boolean, cut: () => void): void {
    cut();
    for (const member of members) member.isolated = isolated;
  }

  private log(fault: NemesisEvent['fault'], member: Member, note?: string): void {
    this.events.push({ at: performance.now(), fault, target: member.address, ...(note ? { note } : {}) });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
