/**
 * Driving the real executable from tests: long-running chordkv processes (nodes, `up`)
 * that report readiness on stdout, one-shot CLI commands, and port probes.
 * Every process started here is also SIGKILLed when the test worker exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './cluster.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/chordkv.js', import.meta.url));
const COMPILED_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Compiles dist/ when it is missing (`npm test` builds first; a bare `npx ava` may not). */
export function ensureBuilt(): void {
  if (existsSync(COMPILED_MAIN)) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    // tsc exits non-zero on type errors but still emits; the check below decides.
  }
  if (!existsSync(COMPILED_MAIN)) throw new Error('npm run build did not produce dist/cli/main.js');
}

/** The environment of the test runner without CHORDKV_* settings that would change defaults. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHORDKV_')));
}

const live = new Set<ChildProcess>();
const groups = new Set<number>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** A chordkv process that keeps running (a node, a bootstrap node, or `up`). */
export class ChordkvProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * `ownGroup`: the process leads a new process group, so that `killGroup` also reaches
   * the children it starts (as `chordkv up` does) should it fail to stop them itself.
   */
  constructor(readonly args: string[], private readonly ownGroup = false) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup,
    });
    live.add(this.child);
    if (ownGroup && this.child.pid) groups.add(this.child.pid);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { this.stdout += chunk; });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk; });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for a line of stdout (or `stream`) matching `pattern`; throws with the process's output when it does not come. */
  async waitForLine(pattern: RegExp, timeoutMs = 30_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
    const find = () => {
      for (const line of this[stream].split('\n')) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      return undefined;
    };
    const match = await waitFor(() => find() ?? (this.running ? undefined : 'exited'), timeoutMs, 20);
    if (match && match !== 'exited') return match;
    throw new Error(`chordkv ${this.args.join(' ')} printed no line matching ${pattern}`
      + ` (${this.running ? 'still running' : 'exited'})\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
  }

  /** Waits for the process to exit on its own, up to `timeoutMs`; true when it did. */
  async waitForExit(timeoutMs = 15_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const result = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  /** SIGKILLs the process and everything in its process group (only for `ownGroup` processes). */
  killGroup(): void {
    if (!this.ownGroup || !this.child.pid) return;
    killGroup(this.child.pid, 'SIGKILL');
    groups.delete(this.child.pid);
  }

  /** Stops the process: `signal` first, SIGKILL if it has not exited after a grace period. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    if (!(await this.waitForExit(graceMs))) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** The readiness line every node prints: `ready <address> id=<hex> ...`. */
export const READY_LINE = /^ready (\S+) id=([0-9a-f]{40})\b/;

/** Starts a node process (`bootstrap ...` or `node ...`) and resolves with its address once it is ready. */
export async function startNodeProcess(args: string[], started: ChordkvProcess[]): Promise<{ process: ChordkvProcess; address: string; id: string }> {
  const proc = new ChordkvProcess([...args, '--log-level', 'warn']);
  started.push(proc);
  const [, address, id] = await proc.waitForLine(READY_LINE);
  return { process: proc, address, id };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** SIGKILL after this long. */
  timeoutMs?: number;
  /** Hang up after the first line of stdout, as `| head -1` does. */
  closeAfterFirstLine?: boolean;
  /** Written to the command's stdin, which is then closed (else stdin is /dev/null). */
  input?: string;
}

/** Runs one chordkv command to completion. */
export function runChordkv(args: string[], options: RunOptions = {}): Promise<CommandResult> {
  const { timeoutMs = 30_000, closeAfterFirstLine = false, input } = options;
  return new Promise((resolve, reject) => {
    const stdin = input === undefined ? 'ignore' : 'pipe';
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), stdio: [stdin, 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin!.end(input);
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (closeAfterFirstLine && stdout.includes('\n')) child.stdout!.destroy();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** A port that was free a moment ago and has nothing listening on it now. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));
