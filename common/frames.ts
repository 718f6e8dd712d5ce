/**
 * The frame wire between nodes: a stream of frames, each a 4-byte big-endian length and a
 * payload. A request is `[id, method, path, body, requestId, deadline]`, an answer `[id, status, body]`
 * where status and body mean what they mean over HTTP (200 and the answer, or an error status
 * and `{"error": …}`), so both transports raise the same ChordErrors. Payloads are JSON
 * (docs/architecture.md has the measurement against msgpack); the codec is a parameter so
 * that the benchmark can run the same framing with another encoding.
 */
import type { Method } from './transport-types.js';

/** The HTTP Upgrade that turns a connection to a node's one port into a frame stream. */
export const FRAMES_PATH = '/rpc/_frames';
export const FRAMES_PROTOCOL = 'chordkv-frames/1';

/** The largest payload either side accepts: the HTTP path's RPC body limit (64 MiB) and room for the envelope. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024 + 64 * 1024;

/**
 * `deadline`: when the caller gives up, in the caller's wall-clock milliseconds (absent from
 * callers that predate it). A call that starts to be served more than an allowance later is not run (frame-server.ts).
 */
export type FrameRequest = [id: number, method: Method, path: string, body: unknown, requestId: string | null, deadline?: number];
/** `body` is the answer when status is 200, else an ErrorBody. */
export type FrameAnswer = [id: number, status: number, body: unknown];

/** How payloads are encoded; a string is written as UTF-8 straight into the batch buffer. */
export interface FrameCodec {
  encode(message: unknown): string | Uint8Array;
  decode(payload: Buffer): unknown;
}

export const jsonCodec: FrameCodec = {
  encode: (message) => JSON.stringify(message),
  decode: (payload): unknown => JSON.parse(payload.toString('utf8')),
};

/** An encoded payload and its size in bytes, known before it is written so that queues can count bytes. */
export interface Encoded {
  readonly payload: string | Uint8Array;
  readonly bytes: number;
}

export function encodeFrame(codec: FrameCodec, message: unknown): Encoded {
  const payload = codec.encode(message);
  return { payload, bytes: typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength };
}

/** Every frame of a batch in one buffer, so that a batch is one socket write (one syscall). */
export function frameBatch(frames: readonly Encoded[]): Buffer {
  let total = 0;
  for (const frame of frames) total += 4 + frame.bytes;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const { payload, bytes } of frames) {
    out.writeUInt32BE(bytes, offset);
    offset += 4;
    if (typeof payload === 'string') out.write(payload, offset, bytes, 'utf8');
    else out.set(payload, offset);
    offset += bytes;
  }
  return out;
}

/**
 * Cuts a byte stream into frame payloads. Chunks of a large frame are kept until the frame is
 * complete and joined once, not re-joined at every chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = 4;

  /** Feeds bytes; calls `onFrame` for each complete payload; throws on a frame over MAX_FRAME_BYTES. */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    let data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    while (data.length - offset >= 4) {
      const bytes = data.readUInt32BE(offset);
      if (bytes > MAX_FRAME_BYTES) throw new Error(`a frame of ${bytes} bytes is over the limit of ${MAX_FRAME_BYTES}`);
      if (data.length - offset - 4 < bytes) {
        this.needed = 4 + bytes;
        break;
      }
      onFrame(data.subarray(offset + 4, offset + 4 + bytes));
      offset += 4 + bytes;
      this.needed = 4;
    }
    data = data.subarray(offset);
    this.chunks = data.length > 0 ? [data] : [];
    this.buffered = data.length;
  }
}
