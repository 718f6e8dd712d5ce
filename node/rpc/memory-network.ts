/**
 * An in-memory network for tests: nodes in one process call each other's RPC handler
 * tables directly, with the same secret check, error mapping and deadlines as over HTTP.
 * Links can be cut (`partition`) and restored (`heal`), a node can be paused (`pause`: its
 * calls, in and out, wait as for a stopped process) and resumed, and every call can be delayed.
 * Messages are copied through JSON both ways, as they would be on a wire, and the request id
 * travels as the x-request-id header does: beside the body, handed to the receiver's dispatch.
 */
import { asChordError, ChordError, PeerTimeout, PeerUnreachable } from '../../common/errors.js';
import type { Method, Transport } from '../../common/transport.js';
import type { RpcDispatch } from './process-rpc.js';
import { checkSecret } from './server.js';

interface Attached {
  server: RpcDispatch;
  secret?: string;
}

export class MemoryNetwork {
  private readonly nodes = new Map<string, Attached>();
  private readonly cut = new Set<string>();
  private delayMs = 0;
  private readonly paused = new Map<string, { resumed: Promise<void>; resume: () => void }>();
  private readonly holds: Hold[] = [];
  private readonly failures: { from: string; to: string; path: string; delivered: boolean }[] = [];

  /** Makes `server` reachable at `address`; `secret` is what it demands of callers. */
  attach(address: string, server: RpcDispatch, secret?: string): void {
    this.nodes.set(address, { server, secret });
  }

  /** Takes `address` off the network: calls to it fail as to a stopped process. */
  detach(address: string): void {
    this.nodes.delete(address);
  }

  /** Cuts the link between `a` and `b`, both ways. */
  partition(a: string, b: string): void {
    this.cut.add(link(a, b));
  }

  /** Restores every cut link. */
  heal(): void {
    this.cut.clear();
  }

  /**
   * Pauses `address` as SIGSTOP does a process: nothing refuses its calls, nothing answers
   * them (callers time out), and it sends nothing; all of that goes on when it is resumed.
   */
  pause(address: string): void {
    if (this.paused.has(address)) return;
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => { resume = resolve; });
    this.paused.set(address, { resumed, resume });
  }

  /** Resumes a paused node: the calls it held go on. */
  resume(address: string): void {
    this.paused.get(address)?.resume();
    this.paused.delete(address);
  }

  /** Delays every call by `ms` (0 restores immediate delivery). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /**
   * Holds back the next call from `from` to `to` on `path` for `ms`, as a congested or cut
   * link does: a caller whose deadline passes first gives up, yet the call still arrives.
   * `taken`: the call was made and is being held; `delivered`: it was handled (or refused) at `to`.
   */
  holdNext(from: string, to: string, path: string, ms: number): { taken: Promise<void>; delivered: Promise<void> } {
    let taken!: () => void;
    let delivered!: () => void;
    const promises = { taken: new Promise<void>((resolve) => { taken = resolve; }), delivered: new Promise<void>((resolve) => { delivered = resolve; }) };
    this.holds.push({ from, to, path, ms, taken, delivered });
    return promises;
  }

  /**
   * Makes the next call from `from` to `to` on `path` fail as unreachable: before it reaches
   * `to`, or, with `delivered`, after `to` handled it (a link cut while the answer was on its way).
   */
  failNext(from: string, to: string, path: string, delivered = false): void {
    this.failures.push({ from, to, path, delivered });
  }

  /** Failures set up with `failNext` that no call has met yet. */
  get armedFailures(): number {
    return this.failures.length;
  }

  /** The transport a node at `from` calls through, presenting `secret`. */
  transport(from: string, options: { timeoutMs: number; secret?: string }): Transport {
    return {
      call: <T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, reqId?: string) => {
        const call = { method, path, body, secret: options.secret, reqId };
        return withDeadline(this.deliver(from, address, call), address, timeoutMs ?? options.timeoutMs) as Promise<T>;
      },
      close: () => undefined,
    };
  }

  private async deliver(from: string, to: string, call: Call): Promise<unknown> {
    for (let held = this.pausedOf(from, to); held; held = this.pausedOf(from, to)) await held;
    const failure = this.failures.findIndex((f) => f.from === from && f.to === to && f.path === call.path);
    if (failure >= 0) {
      const { delivered } = this.failures.splice(failure, 1)[0];
      if (delivered) await this.dispatch(from, to, call);
      throw new PeerUnreachable(to);
    }
    const held = this.takeHold(from, to, call.path);
    if (held) {
      held.taken();
      await new Promise((resolve) => setTimeout(resolve, held.ms));
      return this.dispatch(from, to, call).finally(() => held.delivered());
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.dispatch(from, to, call);
  }

  private pausedOf(from: string, to: string): Promise<void> | undefined {
    return (this.paused.get(from) ?? this.paused.get(to))?.resumed;
  }

  private takeHold(from: string, to: string, path: string): Hold | undefined {
    const index = this.holds.findIndex((h) => h.from === from && h.to === to && h.path === path);
    return index < 0 ? undefined : this.holds.splice(index, 1)[0];
  }

  private async dispatch(from: string, to: string, { method, path, body, secret, reqId }: Call): Promise<unknown> {
    const target = this.nodes.get(to);
    if (!target || this.cut.has(link(from, to))) throw new PeerUnreachable(to);
    let answer: unknown;
    try {
      checkSecret(target.secret, secret);
      answer = await target.server.dispatch(method, path, copy(body), reqId);
    } catch (err) {
      // What the caller sees is what the wire would carry: a fresh error built from the body.
      const error = asChordError(err);
      throw ChordError.fromBody(error.code === 'INTERNAL' ? internal() : error.toJSON(), error.status);
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.cut.has(link(from, to))) throw new PeerUnreachable(to);
    return copy(answer);
  }
}

/** One call as the wire would carry it: what the HTTP transport puts in the request line, headers and body. */
interface Call {
  readonly method: Method;
  readonly path: string;
  readonly body: unknown;
  readonly secret?: string;
  readonly reqId?: string;
}

interface Hold {
  readonly from: string;
  readonly to: string;
  readonly path: string;
  readonly ms: number;
  readonly taken: () => void;
  readonly delivered: () => void;
}

const link = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);
const copy = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const internal = () => ({ error: { code: 'INTERNAL', message: 'internal error; see the node log' } });

function withDeadline<T>(call: Promise<T>, address: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PeerTimeout(address)), timeoutMs);
  });
  return Promise.race([call, expired]).finally(() => clearTimeout(timer));
}
