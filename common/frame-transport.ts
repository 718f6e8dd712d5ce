/**
 * Node-to-node calls as frames over one persistent connection per peer (common/frames.ts).
 * The connection is opened as an HTTP Upgrade on the peer's one port, presenting the cluster
 * secret once; calls then carry ids and are answered in any order. Calls made in one turn of
 * the event loop leave in one socket write. Failures map to the ChordErrors the HTTP transport
 * raises: a timeout is PeerTimeout, a lost connection fails every call on it with
 * PeerUnreachable (the next call dials again), a refused handshake is the peer's own error.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ChordError, PeerOverloaded, PeerTimeout, PeerUnreachable, type ErrorBody } from './errors.js';
import { encodeFrame, frameBatch, FrameDecoder, FRAMES_PATH, FRAMES_PROTOCOL, jsonCodec, MAX_FRAME_BYTES,
  type Encoded, type FrameAnswer, type FrameCodec, type FrameRequest } from './frames.js';
import type { Method, Transport } from './transport-types.js';
import { atTurnEnd } from './turn-end.js';
import { SECRET_HEADER } from './wire.js';

export interface FrameOptions {
  /** Deadline of one call (and of the handshake), in milliseconds. */
  timeoutMs: number;
  secret?: string;
  /** Calls written to a peer and not yet answered; more wait in the queue. */
  maxInFlight?: number;
  /** Calls waiting to be written to one peer; beyond it (or maxQueuedBytes) a call fails with PEER_OVERLOADED. */
  maxQueued?: number;
  maxQueuedBytes?: number;
  /** Bytes the socket may hold unsent before writing stops until it drains. */
  socketHighWaterBytes?: number;
  codec?: FrameCodec;
}

type Limits = Required<Omit<FrameOptions, 'secret'>> & { secret?: string };

const DEFAULTS = { maxInFlight: 1024, maxQueued: 4096, maxQueuedBytes: 16 * 1024 * 1024, socketHighWaterBytes: 1024 * 1024 };

export class FrameTransport implements Transport {
  private readonly peers = new Map<string, PeerConnection>();
  /** Connections that take no new calls but still carry some (see PeerConnection.retire): closed with the transport. */
  private readonly retired = new Set<PeerConnection>();
  private readonly limits: Limits;
  /** Socket writes made so far, over every peer (the coalescing test counts them). */
  writes = 0;

  constructor(options: FrameOptions) {
    this.limits = { ...DEFAULTS, codec: jsonCodec, ...options };
  }

  call<T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, requestId?: string): Promise<T> {
    return this.connection(address).call(method, path, body, timeoutMs ?? this.limits.timeoutMs, requestId) as Promise<T>;
  }

  /** The peer's connection that takes new calls, dialled when there is none. */
  private connection(address: string): PeerConnection {
    let peer = this.peers.get(address);
    if (!peer) {
      peer = new PeerConnection(address, this.limits, () => { this.writes++; }, (gone, closed) => {
        if (this.peers.get(address) === gone) this.peers.delete(address);
        if (closed) this.retired.delete(gone);
        else this.retired.add(gone);
      }, (unsent) => { for (const call of unsent) this.connection(address).requeue(call); });
      this.peers.set(address, peer);
    }
    return peer;
  }

  close(): void {
    for (const peer of [...this.peers.values(), ...this.retired]) peer.destroy(undefined);
    this.peers.clear();
    this.retired.clear();
  }
}

/** A call as its caller made it: what a connection needs to send it, or another one to send it again. */
interface Request {
  readonly method: Method;
  readonly path: string;
  readonly body: unknown;
  readonly requestId: string | undefined;
  /** performance.now() by which it must be answered. */
  readonly deadline: number;
  /** The same moment on the wall clock, which the frame carries: the receiver does not run a call that reaches it well after. */
  readonly wallDeadline: number;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (err: ChordError) => void;
}

interface Call extends Encoded {
  readonly id: number;
  readonly request: Request;
  timer: NodeJS.Timeout | undefined;
  state: 'queued' | 'sent' | 'done';
  /** When it was written to the socket. */
  sentAt: number | undefined;
}

/** One peer's connection: its queue, its calls in flight, and the socket once the handshake is through. */
class PeerConnection {
  private socket?: Socket;
  private request?: http.ClientRequest;
  private readonly queue: Call[] = [];
  private queuedCount = 0;
  private queuedBytes = 0;
  private readonly inFlight = new Map<number, Call>();
  private nextId = 1;
  private flushScheduled = false;
  private gone = false;
  /** Taking no new calls (they dial a fresh connection); closed once its calls are done. */
  private retired = false;
  /** When bytes last arrived on the socket. */
  private lastHeard = 0;
  private readonly decoder = new FrameDecoder();

  constructor(
    private readonly address: string,
    private readonly limits: Limits,
    private readonly onWrite: () => void,
    /** The connection takes no new calls: `closed` false while it still carries some (retired), true once it is closed. */
    private readonly onGone: (peer: PeerConnection, closed: boolean) => void,
    /** Calls it had queued and not written when it was retired: the transport sends them on a fresh connection. */
    private readonly handOff: (unsent: Request[]) => void,
  ) {
    this.dial();
  }

  call(method: Method, path: string, body: unknown, timeoutMs: number, requestId: string | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.requeue({ method, path, body, requestId, deadline: performance.now() + timeoutMs, wallDeadline: Date.now() + timeoutMs, resolve, reject });
    });
  }

  /** Queues `request` here: a new call, or one a retired connection never wrote, with the deadline it had. */
  requeue(request: Request): void {
    if (this.gone) return request.reject(new PeerUnreachable(this.address));
    const id = this.nextId++;
    let frame: Encoded;
    try {
      const message: FrameRequest = [id, request.method, request.path, request.body ?? null, request.requestId ?? null, request.wallDeadline];
      frame = encodeFrame(this.limits.codec, message);
    } catch (err) {
      return request.reject(new ChordError('BAD_REQUEST', `a call to ${request.path} could not be encoded: ${(err as Error).message}`, { cause: err }));
    }
    if (frame.bytes > MAX_FRAME_BYTES) return request.reject(new ChordError('PAYLOAD_TOO_LARGE', `a call to ${request.path} of ${frame.bytes} bytes is over the frame limit`));
    if (this.queuedCount >= this.limits.maxQueued || this.queuedBytes + frame.bytes > this.limits.maxQueuedBytes) {
      return request.reject(new PeerOverloaded(this.address, this.queuedCount, this.queuedBytes));
    }
    // Every field written here, none spread (common/objects.ts), and set from the start so that
    // setting timer and sentAt later keeps the record's shape.
    const call: Call = { payload: frame.payload, bytes: frame.bytes, id, request, state: 'queued', timer: undefined, sentAt: undefined };
    call.timer = setTimeout(() => this.expire(call), Math.max(0, request.deadline - performance.now()));
    this.queue.push(call);
    this.queuedCount++;
    this.queuedBytes += frame.bytes;
    this.scheduleFlush();
  }

  /** Fails every call on this connection with `error` (PeerUnreachable when undefined) and closes it for good. */
  destroy(error: ChordError | undefined, cause?: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.onGone(this, true);
    this.request?.destroy();
    this.socket?.destroy();
    const failure = () => error ?? new PeerUnreachable(this.address, cause);
    for (const call of [...this.inFlight.values(), ...this.queue]) this.settle(call, undefined, failure());
    this.inFlight.clear();
    this.queue.length = 0;
  }

  private dial(): void {
    const separator = this.address.lastIndexOf(':');
    const request = http.request({
      host: this.address.slice(0, separator), port: Number(this.address.slice(separator + 1)), path: FRAMES_PATH, agent: false,
      headers: { connection: 'Upgrade', upgrade: FRAMES_PROTOCOL, ...(this.limits.secret ? { [SECRET_HEADER]: this.limits.secret } : {}) },
    });
    this.request = request;
    // A peer that accepts the TCP connection but never answers the handshake must not hold calls forever.
    const handshake = setTimeout(() => this.destroy(new PeerTimeout(this.address)), this.limits.timeoutMs);
    request.on('upgrade', (_response, socket, head) => {
      clearTimeout(handshake);
      this.request = undefined;
      if (this.gone) {
        socket.destroy();
        return;
      }
      this.opened(socket, head);
    });
    request.on('response', (response) => {
      clearTimeout(handshake);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => this.destroy(refusal(this.address, response.statusCode ?? 500, Buffer.concat(chunks))));
      response.on('error', (err) => this.destroy(undefined, err));
    });
    request.on('error', (err) => {
      clearTimeout(handshake);
      this.destroy(undefined, err);
    });
    request.end();
  }

  private opened(socket: Socket, head: Buffer): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.scheduleFlush());
    socket.on('error', (err) => this.destroy(undefined, err));
    socket.on('close', () => this.destroy(undefined, new Error('the connection closed')));
    if (head.length > 0) this.receive(head);
    this.scheduleFlush();
  }

  private receive(chunk: Buffer): void {
    this.lastHeard = performance.now();
    try {
      this.decoder.push(chunk, (payload) => {
        const [id, status, body] = this.limits.codec.decode(payload) as FrameAnswer;
        const call = this.inFlight.get(id);
        // An answer after its caller gave up (timeout) has no one to go to.
        if (!call) return;
        this.inFlight.delete(id);
        if (status === 200) this.settle(call, body);
        else this.settle(call, undefined, answerError(this.address, status, body));
      });
    } catch (err) {
      this.destroy(new ChordError('BAD_RESPONSE', `node ${this.address} sent a malformed frame`, { cause: err, peer: this.address }));
      return;
    }
    if (this.queuedCount > 0) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.socket) return;
    this.flushScheduled = true;
    // Every call made anywhere in this turn of the loop joins the batch (turn-end.ts).
    atTurnEnd(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes queued calls while the peer has room in flight and the socket is not backed up: one write per batch. */
  private flush(): void {
    const socket = this.socket;
    if (!socket || this.gone || socket.writableLength > this.limits.socketHighWaterBytes) return;
    const batch: Call[] = [];
    const now = performance.now();
    let taken = 0;
    while (taken < this.queue.length && this.inFlight.size < this.limits.maxInFlight) {
      const call = this.queue[taken++];
      if (call.state !== 'queued') continue;
      // Its deadline passed while it waited (its timer has not fired yet): no one waits for the
      // answer, and a call written now might still be run after its caller sent it again elsewhere.
      if (call.request.deadline <= now) {
        this.expire(call);
        continue;
      }
      call.state = 'sent';
      this.queuedCount--;
      this.queuedBytes -= call.bytes;
      this.inFlight.set(call.id, call);
      batch.push(call);
    }
    this.queue.splice(0, taken);
    if (batch.length === 0) return;
    for (const call of batch) call.sentAt = now;
    this.onWrite();
    socket.write(frameBatch(batch));
  }

  private expire(call: Call): void {
    if (call.state === 'queued') {
      this.queuedCount--;
      this.queuedBytes -= call.bytes;
    } else {
      this.inFlight.delete(call.id);
    }
    this.settle(call, undefined, new PeerTimeout(this.address));
    // Nothing at all came back since this call was written: the connection itself may be
    // stuck (after a link came back up, TCP retransmits on a backoff of seconds), while a
    // new one would go through at once. Later calls dial afresh; the calls already on this
    // one keep their deadlines. A peer that answers other calls keeps its connection.
    // Judged after this turn's reads: a loop that ran late fires timers before it reads
    // answers already waiting in the socket.
    const sentAt = call.sentAt;
    if (sentAt !== undefined) setImmediate(() => { if (this.lastHeard < sentAt) this.retire(); });
  }

  private retire(): void {
    if (this.retired || this.gone) return;
    this.retired = true;
    this.onGone(this, false);
    // Calls it never wrote have nothing on this connection: they go on a fresh one, deadlines kept.
    const unsent = this.queue.filter((call) => call.state === 'queued');
    this.queue.length = 0;
    this.queuedCount = 0;
    this.queuedBytes = 0;
    for (const call of unsent) {
      call.state = 'done';
      clearTimeout(call.timer);
    }
    this.handOff(unsent.map((call) => call.request));
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.retired && this.inFlight.size === 0 && this.queuedCount === 0) this.destroy(undefined);
  }

  private settle(call: Call, answer: unknown, error?: ChordError): void {
    if (call.state === 'done') return;
    call.state = 'done';
    clearTimeout(call.timer);
    if (error) call.request.reject(error);
    else call.request.resolve(answer);
    this.closeIfDone();
  }
}

/** The error a peer answered a call with, as the HTTP transport would raise it. */
function answerError(address: string, status: number, body: unknown): ChordError {
  const error = (body as ErrorBody | undefined)?.error;
  if (error && typeof error.code === 'string') return ChordError.fromBody(body as ErrorBody, status);
  return new ChordError('BAD_RESPONSE', `node ${address} answered ${status} without an error body`, { peer: address });
}

/** A handshake answered with a status instead of 101: the peer's coded error (a wrong secret: UNAUTHORIZED). */
function refusal(address: string, status: number, body: Buffer): ChordError {
  try {
    return answerError(address, status, JSON.parse(body.toString('utf8')));
  } catch (err) {
    return new ChordError('BAD_RESPONSE', `node ${address} refused the frame handshake with ${status}`, { cause: err, peer: address });
  }
}
