/**
 * The Koa adapter (the only module that imports Koa): public routes parse the request,
 * call the node's façade and return its answer; every node-to-node call is handed to the
 * node's RPC table in one route, behind the one secret check. Errors are mapped in one
 * middleware.
 */
import { performance } from 'node:perf_hooks';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { paths, PUBLIC_BODY_LIMIT, RPC_BODY_LIMIT, RPC_PREFIX, SECRET_HEADER } from '../../common/wire.js';
import type { ChordNode } from '../chord-node.js';
import type { Metrics } from '../metrics.js';
import { checkSecret } from '../rpc/server.js';
import { bodyError, errorBoundary } from './errors.js';
import { serveEvents } from './events.js';
import { isScan, parseBatch, parseKey, parsePutOptions, parseScan, parseValue } from './validate.js';

export interface AppOptions {
  /** Called after POST /depart has answered: the process (or test) decides what stopping means. */
  onDeparted: () => void;
  secret?: string;
  /** Where request counts and latencies go, and what GET /metrics serves. */
  metrics: Metrics;
}

export function createApp(node: ChordNode, log: Logger, options: AppOptions): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered by the boundary, not printed by Koa
  app.use(async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // The route's pattern, not its path: keys must not become label values.
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      options.metrics.request(route, ctx.method, ctx.status, (performance.now() - start) / 1000);
    }
  });
  app.use(errorBoundary(log));
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith(RPC_PREFIX) || ctx.path === paths.depart) checkSecret(options.secret, ctx.get(SECRET_HEADER) || undefined);
    await next();
  });
  // A body that is not declared JSON would be skipped by the parser and then read as missing.
  app.use(async (ctx, next) => {
    if (ctx.request.is('application/json') === false) {
      throw new ChordError('UNSUPPORTED_MEDIA_TYPE', `the body must be JSON sent with the header content-type: application/json (got ${ctx.request.type || 'none'})`);
    }
    await next();
  });
  const publicBody = bodyParser({ enableTypes: ['json'], jsonLimit: PUBLIC_BODY_LIMIT, strict: true, onerror: bodyError });
  const rpcBody = bodyParser({ enableTypes: ['json'], jsonLimit: RPC_BODY_LIMIT, strict: true, onerror: bodyError });
  app.use(async (ctx, next) => { await (ctx.path.startsWith(RPC_PREFIX) ? rpcBody : publicBody)(ctx, next); });

  const router = new Router();
  router.get(paths.health, (ctx) => {
    if (node.state !== 'ready') throw new ChordError('NOT_READY', `node is ${node.state}`);
    ctx.body = { ok: true };
  });
  router.get(paths.status, async (ctx) => { ctx.body = await node.status(); });
  router.get(paths.metrics, async (ctx) => {
    const { body, contentType } = await options.metrics.text();
    ctx.type = contentType;
    ctx.body = body;
  });
  router.get(paths.overlay, async (ctx) => { ctx.body = await node.overlay(); });
  router.get(paths.kv, async (ctx) => {
    ctx.body = isScan(ctx.query) ? await node.prefixScan(parseScan(ctx.query)) : await node.ringContents();
  });
  router.post(paths.batch, async (ctx) => { ctx.body = await node.batch(parseBatch(ctx.request.body)); });
  router.get('/kv/:key', async (ctx) => { ctx.body = await node.get(rawKey(ctx.path)); });
  router.get('/watch', async (ctx) => {
    const prefix = ctx.query.prefix;
    if (typeof prefix !== 'string') throw new ChordError('INVALID_REQUEST', 'watch a key (/watch/KEY) or a prefix (/watch?prefix=P)');
    await serveEvents(ctx, (signal) => node.watchPrefix(prefix, signal));
  });
  router.get('/watch/:key', async (ctx) => {
    const key = parseKey(ctx.path.slice(paths.watch('').length));
    await serveEvents(ctx, (signal) => node.watch(key, signal));
  });
  router.put('/kv/:key', async (ctx) => {
    const key = rawKey(ctx.path);
    ctx.body = await node.put(key, parseValue(ctx.request.body), parsePutOptions(ctx.request.body));
  });
  router.delete('/kv/:key', async (ctx) => { ctx.body = await node.delete(rawKey(ctx.path)); });
  // PUT or DELETE on /kv (or /kv/) names no key: say so rather than "method not allowed".
  router.put(paths.kv, () => { parseKey(''); });
  router.delete(paths.kv, () => { parseKey(''); });
  router.post(paths.depart, async (ctx) => {
    ctx.body = await node.depart();
    ctx.res.once('finish', options.onDeparted);
  });
  router.all(`${RPC_PREFIX}:call`, async (ctx) => {
    const allowed = node.rpcServer.methodOf(ctx.path);
    if (allowed && allowed !== ctx.method) ctx.set('Allow', allowed);
    ctx.body = await node.rpcServer.dispatch(ctx.method, ctx.path, ctx.request.body);
  });

  app.use(router.routes());
  // Without `throw`, the router answers 405 and 501 with an Allow header and no body; the boundary words them.
  app.use(router.allowedMethods());
  return app;
}

/** The key as sent: the raw path after /kv/, decoded exactly once. */
function rawKey(path: string): string {
  return parseKey(path.slice(paths.kv.length + 1));
}
