/**
 * One HTTP/1.1 exchange written byte by byte on a socket: unlike node:http or fetch, it can
 * send what a well-behaved client never would (spaces, NUL and raw UTF-8 in the path, any
 * method, a body shorter than its content-length). One connection per request, closed by
 * the server after its answer, so a response is everything up to the end of the stream.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as written on the request line. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send only the first half of the body, then close our side (content-length stays the full length). */
  truncate?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Outcome = { response: RawResponse } | { failure: 'hang' | 'no-answer'; detail: string };

/** Sends `request` to `address` and reads the answer, giving up after `deadlineMs`. */
export function exchange(address: string, request: RawRequest, deadlineMs: number): Promise<Outcome> {
  const [host, port] = splitAddress(address);
  const body = request.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { host: address, connection: 'close', ...request.headers };
  if (request.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host);
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ failure: 'hang', detail: `no complete answer within ${deadlineMs} ms` }), deadlineMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // An event stream never ends by itself: its head is the whole answer we need.
      const sofar = parse(Buffer.concat(chunks));
      if (sofar && /text\/event-stream/.test(sofar.headers['content-type'] ?? '')) finish({ response: sofar });
    });
    // A server may answer (413, 400) and close before it has read the whole body: keep what came back.
    socket.on('error', (err) => { if (chunks.length === 0) finish({ failure: 'no-answer', detail: err.message }); });
    socket.on('close', () => {
      const response = parse(Buffer.concat(chunks));
      finish(response ? { response } : { failure: 'no-answer', detail: 'the connection closed without a complete answer' });
    });
    socket.on('connect', () => {
      socket.write(Buffer.from(head, 'latin1'));
      if (request.truncate) socket.end(body.subarray(0, Math.floor(body.length / 2)));
      else socket.write(body);
    });
  });
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** The response in `data`, or undefined while its head is incomplete. Chunked bodies are decoded. */
function parse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const raw = data.subarray(end + 4);
  return { status, headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(raw) : raw };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
