/**
 * The receiving end of the frame transport (common/frame-transport.ts): takes over a
 * connection that asked the node's HTTP server for an Upgrade, checks the cluster secret once
 * for the whole connection, then hands each request frame to `dispatch` (no web framework in
 * between) and writes the answers of one turn of the event loop in one socket write.
 * It is given a dispatch function, not a node, so that one port can serve several nodes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { ChordError } from '../../common/errors.js';
import { encodeFrame, frameBatch, FrameDecoder, FRAMES_PATH, FRAMES_PROTOCOL, jsonCodec,
  type Encoded, type FrameCodec, type FrameRequest } from '../../common/frames.js';
import type { Logger } from '../../common/log.js';
import { validRequestId } from '../../common/request-id.js';
import { atTurnEnd } from '../../common/turn-end.js';
import { RPC_PREFIX, SECRET_HEADER } from '../../common/wire.js';
import type { Metrics } from '../metrics.js';
import { checkSecret } from './server.js';

/** Serves one call; `requestId` is the request id the frame carried, when it is a usable one. */
export type Dispatch = (method: string, path: string, body: unknown, requestId?: string) => Promise<unknown>;

export interface FrameServerOptions {
  dispatch: Dispatch;
  secret?: string;
  log?: Logger;
  metrics?: Pick<Metrics, 'request'>;
  codec?: FrameCodec;
  /** Calls of one connection served at once; past it the connection is not read until some finish. */
  maxInFlight?: number;
  /** Unsent answer bytes past which the connection is not read until the socket drains. */
  socketHighWaterBytes?: number;
  /** The wall clock that deadlines are judged by (tests move it). */
  now?: () => number;
}

/**
 * The hosts' clocks may differ: a call counts as late only by more than this, so a clock that
 * runs up to this far ahead of a caller's does not refuse its calls while they are still awaited.
 */
export const LATE_ALLOWANCE_MS = 1000;

/** What the sessions count, over every connection (tests read them). */
interface FrameCounts {
  /** Answer batches written. */
  writes: number;
  /** Calls not run because they arrived after their caller's deadline. */
  late: number;
}

/** Metrics and logs name the route as the HTTP app does, so a dashboard does not care which transport ran. */
const ROUTE = `${RPC_PREFIX}:call`;

export class FrameServer implements FrameCounts {
  private readonly sessions = new Set<Duplex>();
  writes = 0;
  late = 0;

  constructor(private readonly options: FrameServerOptions) {}

  /** The HTTP server's 'upgrade' listener: accepts a frame stream, or answers the request with its error and closes. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      if (request.url !== FRAMES_PATH || request.headers.upgrade?.toLowerCase() !== FRAMES_PROTOCOL) {
        throw new ChordError('NOT_FOUND', `no upgrade to ${String(request.headers.upgrade)} on ${String(request.url)}`);
      }
      const presented = request.headers[SECRET_HEADER];
      checkSecret(this.options.secret, typeof presented === 'string' ? presented : undefined);
    } catch (err) {
      refuse(socket, err instanceof ChordError ? err : new ChordError('INTERNAL', 'internal error'));
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${FRAMES_PROTOCOL}\r\n\r\n`);
    this.sessions.add(socket);
    socket.once('close', () => this.sessions.delete(socket));
    new FrameSession(socket, this.options, this).start(head);
  }

  /** Closes every frame connection (their callers see PeerUnreachable). */
  close(): void {
    for (const socket of this.sessions) socket.destroy();
    this.sessions.clear();
  }
}

/** Answers an upgrade request the way the HTTP app answers a refused call: status and `{"error": …}`. */
export function refuse(socket: Duplex, error: ChordError): void {
  const body = JSON.stringify(error.toJSON());
  socket.end(`HTTP/1.1 ${error.status} ${error.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    + `connection: close\r\n\r\n${body}`);
}

class FrameSession {
  private readonly decoder = new FrameDecoder();
  private readonly codec: FrameCodec;
  private outbox: Encoded[] = [];
  /** Frames read while maxInFlight calls were being served: at most one read's worth, as reading stops. */
  private backlog: Buffer[] = [];
  private flushScheduled = false;
  private active = 0;
  private paused = false;
  private readonly maxInFlight: number;
  private readonly highWater: number;

  constructor(private readonly socket: Duplex, private readonly options: FrameServerOptions, private readonly counts: FrameCounts) {
    this.codec = options.codec ?? jsonCodec;
    this.maxInFlight = options.maxInFlight ?? 4096;
    this.highWater = options.socketHighWaterBytes ?? 4 * 1024 * 1024;
  }

  start(head: Buffer): void {
    (this.socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('drain', () => this.resumeIfRoom());
    this.socket.on('error', () => this.socket.destroy());
    if (head.length > 0) this.receive(head);
  }

  private receive(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (payload) => {
        if (this.active < this.maxInFlight && this.backlog.length === 0) this.serve(this.codec.decode(payload) as FrameRequest);
        else this.backlog.push(payload);
      });
    } catch (err) {
      // A stream that does not parse cannot be resynchronised: the caller's calls fail and it dials again.
      this.options.log?.warn(`dropping a frame connection that sent a malformed frame: ${(err as Error).message}`);
      this.socket.destroy();
    }
  }

  private serve(request: FrameRequest): void {
    this.active++;
    if (this.active >= this.maxInFlight) this.pause();
    void this.served(request);
  }

  private async served([id, method, path, body, sentId, deadline]: FrameRequest): Promise<void> {
    const reqId = validRequestId(sentId);
    const start = performance.now();
    let status = 200;
    let answer: unknown;
    try {
      this.refuseIfLate(deadline, path, reqId);
      answer = await this.options.dispatch(method, path, method === 'GET' ? undefined : body, reqId);
    } catch (err) {
      const error = this.asAnswerable(err, method, path, reqId);
      status = error.status;
      answer = error.toJSON();
    }
    const seconds = (performance.now() - start) / 1000;
    this.options.metrics?.request(ROUTE, method, status, seconds);
    const log = this.options.log;
    if (log?.debugEnabled) log.debug(`${method} ${path} ${status}`, { method, path, status, ms: Math.round(seconds * 1e4) / 10, reqId });
    this.answer(id, status, answer, method, path, reqId);
  }

  private answer(id: number, status: number, answer: unknown, method: string, path: string, reqId: string | undefined): void {
    let frame: Encoded;
    try {
      frame = encodeFrame(this.codec, [id, status, answer ?? null]);
    } catch (err) {
      const error = this.asAnswerable(err, method, path, reqId);
      frame = encodeFrame(this.codec, [id, error.status, error.toJSON()]);
    }
    this.active--;
    this.outbox.push(frame);
    this.serveBacklog();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    atTurnEnd(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (this.socket.destroyed) return;
    this.counts.writes++;
    this.socket.write(frameBatch(batch));
    this.resumeIfRoom();
  }

  private serveBacklog(): void {
    while (this.backlog.length > 0 && this.active < this.maxInFlight) {
      const payload = this.backlog.shift()!;
      try {
        this.serve(this.codec.decode(payload) as FrameRequest);
      } catch (err) {
        this.options.log?.warn(`dropping a frame connection that sent a malformed frame: ${(err as Error).message}`);
        this.socket.destroy();
        return;
      }
    }
  }

  /**
   * A call whose serving starts more than LATE_ALLOWANCE_MS after its caller gave up on it (it
   * was held up in a link that was down, in this process's socket while the process was paused,
   * or in this connection's backlog) is not run: its caller may have sent it again elsewhere
   * since, and a write run now would take a newer version than
   * writes acknowledged in between. The caller is not waiting for the answer.
   */
  private refuseIfLate(deadline: unknown, path: string, reqId: string | undefined): void {
    if (typeof deadline !== 'number') return;
    const lateMs = (this.options.now ?? Date.now)() - deadline;
    if (lateMs <= LATE_ALLOWANCE_MS) return;
    this.counts.late++;
    this.options.log?.warn(`not running a call to ${path} that arrived ${Math.round(lateMs)} ms after its caller's deadline`, { path, lateMs: Math.round(lateMs), reqId });
    throw new ChordError('PEER_TIMEOUT', `the call to ${path} arrived after its caller's deadline and was not run`);
  }

  /** Not reading is the back-pressure: TCP then holds the caller, whose own queue is bounded. */
  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resumeIfRoom(): void {
    if (this.active >= this.maxInFlight || this.backlog.length > 0) return;
    if (this.socket.writableLength > this.highWater) {
      this.pause();
      return;
    }
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** The error as the HTTP boundary would answer it: a ChordError as is, anything else an INTERNAL 500 that is logged. */
  private asAnswerable(err: unknown, method: string, path: string, reqId: string | undefined): ChordError {
    if (err instanceof ChordError) return err;
    this.options.log?.error(`${method} ${path}: ${(err as Error)?.message ?? String(err)}`, { method, path, err, reqId });
    return new ChordError('INTERNAL', 'internal error; see the node log', { cause: err });
  }
}
