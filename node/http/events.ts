/**
 * Server-sent events: a stream of `change` events from an async iterable, a comment every
 * few seconds so that proxies and idle timers keep the connection, and one `error` event
 * before the stream ends when the iterable fails.
 */
import { PassThrough } from 'node:stream';
import type Koa from 'koa';
import { asChordError } from '../../common/errors.js';

const HEARTBEAT_MS = 15_000;

/**
 * Answers `ctx` with the events of what `open` resolves to, until the client goes away (which
 * aborts the signal `open` gets). A first comment line, `: watching`, says the stream is live.
 */
export async function serveEvents<T>(ctx: Koa.Context, open: (signal: AbortSignal) => Promise<AsyncIterable<T>>): Promise<void> {
  const abort = new AbortController();
  // The response's close, not the request's: a request that came with a body has already
  // closed once the parser read it, and a watch waiting for that would poll forever.
  ctx.res.once('close', () => abort.abort());
  const events = await open(abort.signal); // a failure here is an ordinary error answer
  const stream = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = stream;
  const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  stream.write(': watching\n\n');
  void (async () => {
    try {
      for await (const event of events) stream.write(`event: change\ndata: ${JSON.stringify(event)}\n\n`);
    } catch (err) {
      stream.write(`event: error\ndata: ${JSON.stringify(asChordError(err).toJSON())}\n\n`);
    } finally {
      clearInterval(heartbeat);
      stream.end();
    }
  })();
}
