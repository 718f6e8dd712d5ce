/**
 * The one error boundary: whatever a route throws becomes {"error": {"code", "message"}}
 * with a fitting status. Unknown failures are logged and answered 500 without details.
 */
import type Koa from 'koa';
import { ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';

/** Codes for errors raised by Koa's own stack (body parser, router), by status. */
const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  501: 'NOT_IMPLEMENTED',
};

export function errorBoundary(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined && ctx.status === 404) throw new ChordError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.body === undefined && ctx.status === 405) {
        throw new ChordError('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; use ${ctx.response.get('Allow')}`);
      }
      if (ctx.body === undefined && ctx.status === 501) throw new ChordError('NOT_IMPLEMENTED', `${ctx.method} is not a method this node knows`);
    } catch (err) {
      const error = toChordError(err);
      if (error.status >= 500 && error.code === 'INTERNAL') {
        log.error(`${ctx.method} ${ctx.path}: ${(err as Error)?.message ?? String(err)}`, { method: ctx.method, path: ctx.path, err, reqId: ctx.state.reqId as unknown });
      }
      ctx.status = error.status;
      ctx.body = error.toJSON();
    }
  };
}

/** The body parser's `onerror`: its failures become ChordErrors with stable codes. */
export function bodyError(err: unknown): never {
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.too.large') throw new ChordError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    throw new ChordError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported body encoding');
  }
  if (err instanceof SyntaxError || e?.status === 400) {
    throw new ChordError('BAD_JSON', 'the request body is not valid JSON (send {"value": "<string>"})');
  }
  // The decompressor's own errors: an unknown content-encoding (status 415, but not marked as
  // safe to show) and zlib's (an errno, no status) for a body that is not what its encoding says.
  if (e?.status === 415) throw new ChordError('UNSUPPORTED_MEDIA_TYPE', `${e.message ?? 'unsupported content-encoding'} (use gzip, deflate, br or none)`);
  if (typeof (err as { errno?: unknown })?.errno === 'number' && e?.status === undefined) {
    throw new ChordError('BAD_REQUEST', 'the request body does not decompress as its content-encoding says');
  }
  throw err;
}

function toChordError(err: unknown): ChordError {
  if (err instanceof ChordError) return err;
  const e = err as { status?: number; expose?: boolean; message?: string };
  if (typeof e?.status === 'number' && e.status < 500 && e.expose) {
    return new ChordError(HTTP_CODES[e.status] ?? 'BAD_REQUEST', e.message ?? 'bad request', { status: e.status });
  }
  return new ChordError('INTERNAL', 'internal error; see the node log', { cause: err });
}
