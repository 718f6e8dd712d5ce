/** Facts about the machine a run measured on, so that numbers are never read without them. */
import os from 'node:os';

export interface MachineFacts {
  date: string;
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  memoryGiB: number;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(', ');
}

/**
 * A load average above the core count means other work competed for the CPUs, which the
 * numbers of a run must admit.
 */
export function wasLoaded(load: string, cores: number): boolean {
  return Number(load.split(',')[0]) > cores * 0.5;
}

export function machineLines(facts: MachineFacts): string[] {
  return [
    `- date: ${facts.date}`,
    `- CPU: ${facts.cpuModel}, ${facts.cores} logical cores`,
    `- memory: ${facts.memoryGiB} GiB; ${facts.platform}`,
    `- Node ${facts.node}`,
  ];
}
