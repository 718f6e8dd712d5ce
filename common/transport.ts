/**
 * JSON over HTTP between processes, and the factory of every transport.
 * Interchangeable transports sit behind one interface: got (the chosen client library), a
 * lean one on node:http's own client, and frames over one upgraded connection per peer
 * (common/frame-transport.ts), which is what nodes use between them by default (see
 * docs/architecture.md for the measurements behind those choices).
 * All keep connections alive, never retry on their own, and enforce a deadline.
 */
import http from 'node:http';
import got, { type Got, RequestError } from 'got';
import { asChordError, ChordError, PeerTimeout, PeerUnreachable, type ErrorBody } from './errors.js';
import { FrameTransport } from './frame-transport.js';
import { REQUEST_ID_HEADER, SECRET_HEADER } from './wire.js';
import type { Method, Transport } from './transport-types.js';

export type { Method, Transport } from './transport-types.js';

export interface HttpOptions {
  /** Deadline for one whole request, in milliseconds. */
  timeoutMs: number;
  /** Cluster secret sent on every call, when the ring has one. */
  secret?: string;
  /** Upper bound on sockets per peer (keep-alive pools them). */
  maxSockets?: number;
  /** Which transport to use; `http` unless said otherwise. `frames` reaches only nodes (their RPC calls), not the public API. */
  transport?: 'http' | 'got' | 'frames';
}

export function createTransport(options: HttpOptions): Transport {
  if (options.transport === 'frames') return new FrameTransport(options);
  return options.transport === 'got' ? new GotTransport(options) : new NodeHttpTransport(options);
}

function keepAliveAgent(options: HttpOptions): http.Agent {
  return new http.Agent({ keepAlive: true, noDelay: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' });
}

/** Turns a status and parsed body into the answer or the ChordError the peer reported. */
function settle<T>(address: string, status: number, payload: unknown): T {
  if (status >= 200 && status < 300) return payload as T;
  const error = (payload as ErrorBody | undefined)?.error;
  if (error && typeof error.code === 'string') throw ChordError.fromBody(payload as ErrorBody, status);
  throw new ChordError('BAD_RESPONSE', `node ${address} answered ${status} without an error body`, { peer: address });
}

const notJson = (address: string, cause: unknown) =>
  new ChordError('BAD_RESPONSE', `node ${address} answered something that is not JSON`, { cause, peer: address });

export class NodeHttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: HttpOptions) {
    this.agent = keepAliveAgent(options);
    this.headers = { accept: 'application/json', ...(options.secret ? { [SECRET_HEADER]: options.secret } : {}) };
  }

  call<T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, reqId?: string): Promise<T> {
    const separator = address.lastIndexOf(':');
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined && reqId === undefined ? this.headers : {
      ...this.headers,
      ...(reqId === undefined ? {} : { [REQUEST_ID_HEADER]: reqId }),
      ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    };
    return new Promise<T>((resolve, reject) => {
      const request = http.request({
        host: address.slice(0, separator), port: Number(address.slice(separator + 1)), path, method, headers, agent: this.agent,
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (err) => reject(new PeerUnreachable(address, err)));
        response.on('end', () => {
          clearTimeout(timer);
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (err) {
            reject(notJson(address, err));
            return;
          }
          try {
            resolve(settle<T>(address, response.statusCode ?? 500, parsed));
          } catch (err) {
            reject(asChordError(err));
          }
        });
      });
      const timer = setTimeout(() => {
        request.destroy();
        reject(new PeerTimeout(address));
      }, timeoutMs ?? this.options.timeoutMs);
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(new PeerUnreachable(address, err));
      });
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export class GotTransport implements Transport {
  private readonly got: Got;
  private readonly agent: http.Agent;

  constructor(options: HttpOptions) {
    this.agent = keepAliveAgent(options);
    this.got = got.extend({
      agent: { http: this.agent },
      retry: { limit: 0 }, // retries are decided by ring logic, which knows what is idempotent
      timeout: { request: options.timeoutMs },
      throwHttpErrors: false,
      responseType: 'json',
      headers: options.secret ? { [SECRET_HEADER]: options.secret } : {},
    });
  }

  async call<T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, reqId?: string): Promise<T> {
    let response;
    try {
      response = await this.got(`http://${address}${path}`, {
        method,
        json: body,
        ...(reqId === undefined ? {} : { headers: { [REQUEST_ID_HEADER]: reqId } }),
        ...(timeoutMs ? { timeout: { request: timeoutMs } } : {}),
      });
    } catch (err) {
      throw mapGotError(address, err);
    }
    return settle<T>(address, response.statusCode, response.body);
  }

  close(): void {
    this.agent.destroy();
  }
}

function mapGotError(address: string, err: unknown): ChordError {
  if (err instanceof RequestError) {
    if (err.code === 'ETIMEDOUT') return new PeerTimeout(address, err);
    if (err.code === 'ERR_BODY_PARSE_FAILURE') return notJson(address, err);
  }
  return new PeerUnreachable(address, err);
}

/** A stream of server-sent events being received; `done` settles when it ends. */
export interface EventStream {
  readonly done: Promise<void>;
  close(): void;
}

/**
 * Opens `GET path` on `address` as server-sent events and calls `onEvent` for each (`onOpen`
 * at the first comment, which the server sends once the stream is live). `done` rejects with
 * ChordError when the node cannot be reached or refuses (with its coded error).
 */
export function openEventStream(
  address: string, path: string, handlers: { onOpen?: () => void; onEvent: (type: string, data: string) => void },
): EventStream {
  const separator = address.lastIndexOf(':');
  let request: http.ClientRequest | undefined;
  let closed = false;
  const done = new Promise<void>((resolve, reject) => {
    request = http.get({ host: address.slice(0, separator), port: Number(address.slice(separator + 1)), path, headers: { accept: 'text/event-stream' } }, (response) => {
      response.setEncoding('utf8');
      if (response.statusCode !== 200) {
        let body = '';
        response.on('data', (chunk: string) => { body += chunk; });
        response.on('end', () => {
          try {
            reject(settleError(address, response.statusCode ?? 500, JSON.parse(body)));
          } catch (err) {
            reject(notJson(address, err));
          }
        });
        return;
      }
      let buffer = '';
      let opened = false;
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            if (!opened) handlers.onOpen?.();
            opened = true;
            continue;
          }
          const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          handlers.onEvent(type, /^data: (.*)$/m.exec(block)?.[1] ?? '');
        }
      });
      response.on('end', () => resolve());
      response.on('error', (err) => (closed ? resolve() : reject(new PeerUnreachable(address, err))));
    });
    request.on('error', (err) => (closed ? resolve() : reject(new PeerUnreachable(address, err))));
  });
  return { done, close: () => { closed = true; request?.destroy(); } };
}

/** The ChordError a node answered with (a non-2xx status and its body). */
function settleError(address: string, status: number, payload: unknown): ChordError {
  try {
    settle(address, status, payload);
  } catch (err) {
    return asChordError(err);
  }
  return new ChordError('BAD_RESPONSE', `node ${address} answered ${status}`, { peer: address });
}
