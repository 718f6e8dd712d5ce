/**
 * CPU time of processes from /proc/<pid>/stat (user + system, the process's own threads,
 * not its children), so that a benchmark can say what a request cost the servers, not only
 * how long it took. Linux only; elsewhere every reading is undefined and the columns stay empty.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (almost always 100). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds `pid` has used so far; undefined when /proc cannot tell (not Linux, or gone). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 11 and 12 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Write system calls (`syscw` of /proc/<pid>/io: write and writev, to sockets and files alike,
 * over all the process's threads) and voluntary context switches (the times a thread went to
 * sleep waiting, each followed by a wake-up; summed over the threads alive now, from
 * /proc/<pid>/task/<tid>/status, so a thread that has exited no longer counts) `pid` has made so
 * far; undefined when /proc cannot tell. A message between processes is a write, and waking
 * its receiver is much of what it costs.
 */
export function ioCounts(pid: number): { writes: number; sleeps: number } | undefined {
  try {
    const writes = /^syscw:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    if (!writes) return undefined;
    let sleeps = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        const switches = /^voluntary_ctxt_switches:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8'));
        sleeps += switches ? Number(switches[1]) : 0;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return { writes: Number(writes[1]), sleeps };
  } catch {
    return undefined;
  }
}

/** CPU used by a set of processes between start() and the reading. */
export interface CpuReading {
  /** CPU seconds of all the processes together. */
  seconds: number;
  /** Wall-clock seconds the reading covers. */
  wallSeconds: number;
  /** Write system calls and sleeps (voluntary context switches of their threads) of all the processes together, when /proc says. */
  writes?: number;
  sleeps?: number;
}

/** Starts counting the CPU of `pids`; `read()` says what they used since. Undefined readings when /proc is missing. */
export function cpuMeter(pids: readonly number[]): { read(): CpuReading | undefined } {
  /** The processes' CPU seconds, and their write calls and sleeps when /proc has them for every one. */
  const reading = () => {
    let cpu = 0;
    type Io = { writes: number; sleeps: number };
    let io: Io | undefined = { writes: 0, sleeps: 0 };
    for (const pid of pids) {
      const seconds = cpuSeconds(pid);
      if (seconds === undefined) return undefined;
      cpu += seconds;
      const counts: Io | undefined = io ? ioCounts(pid) : undefined;
      io = io && counts ? { writes: io.writes + counts.writes, sleeps: io.sleeps + counts.sleeps } : undefined;
    }
    return { cpu, io };
  };
  const start = reading();
  const startedAt = performance.now();
  return {
    read() {
      const now = reading();
      if (!start || !now) return undefined;
      const counts = start.io && now.io ? { writes: now.io.writes - start.io.writes, sleeps: now.io.sleeps - start.io.sleeps } : {};
      return { seconds: now.cpu - start.cpu, wallSeconds: (performance.now() - startedAt) / 1000, ...counts };
    },
  };
}

/** This process's own CPU (the load generator), from process.cpuUsage: finer than /proc's ticks. */
export function ownCpuMeter(): { read(): number } {
  const start = process.cpuUsage();
  return {
    read() {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    },
  };
}
