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
import { newRequestId, validRequestId } from '../../common/request-id.js';
import { paths, PUBLIC_BODY_LIMIT, REQUEST_ID_HEADER, RPC_BODY_LIMIT, RPC_PREFIX, SECRET_HEADER } from '../../common/wire.js';
import type { ChordNode } from '../chord-node.js';
import type { Metrics } from '../metrics.js';
import { putOptionsOf } from '../rpc/parse.js';
import type { RpcDispatch } from '../rpc/process-rpc.js';
import { checkSecret } from '../rpc/server.js';
import type { PutBody } from '../schema/requests.js';
import { bodyError, errorBoundary } from './errors.js';
import { serveEvents } from './events.js';
import { docsHtml, openApiDocument } from './openapi.js';
import { routes, type RouteSpec } from './routes.js';
import { uiFile, type UiFile } from './ui.js';
import { batchOf, inputOf, isScan, parseKey, scanOf, type Input } from './validate.js';

export interface AppOptions {
  /** Called after POST /depart has answered: the process (or test) decides what stopping means. */
  onDeparted: () => void;
  secret?: string;
  /** Where request counts and latencies go, and what GET /metrics serves. */
  metrics: Metrics;
}

/** What the adapter serves: one ring member, or a process of several (node/process.ts). */
export type ServedNode = Pick<ChordNode,
  'state' | 'status' | 'put' | 'get' | 'delete' | 'batch' | 'watch' | 'watchPrefix' | 'overlay' | 'ringContents' | 'prefixScan' | 'depart'
> & { readonly rpcServer: RpcDispatch };

export function createApp(node: ServedNode, log: Logger, options: AppOptions): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered by the boundary, not printed by Koa
  // The request id: a public request keeps the client's (when usable) or gets a new one; a
  // node-to-node call carries the id of the public request it was made for, or none. Routes
  // hand it on (ctx.state.reqId) to the node, which passes it into the calls it makes and
  // the lines it logs for the request.
  app.use(async (ctx, next) => {
    const sent = validRequestId(ctx.get(REQUEST_ID_HEADER) || undefined);
    const reqId = ctx.path.startsWith(RPC_PREFIX) ? sent : sent ?? newRequestId();
    if (reqId !== undefined) ctx.set(REQUEST_ID_HEADER, reqId);
    ctx.state.reqId = reqId;
    const start = performance.now();
    try {
      await next();
    } finally {
      // The route's pattern, not its path: keys must not become label values.
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const ms = performance.now() - start;
      options.metrics.request(route, ctx.method, ctx.status, ms / 1000);
      if (log.debugEnabled) log.debug(`${ctx.method} ${ctx.path} ${ctx.status}`, { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, reqId });
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

  const router = createRouter(node, options);
  app.use(router.routes());
  // Without `throw`, the router answers 405 and 501 with an Allow header and no body; the boundary words them.
  app.use(router.allowedMethods());
  return app;
}

/** Every route: the public ones by their declarations (routes.ts), whose schemas check each request; then the node-to-node calls. */
export function createRouter(node: ServedNode, options: AppOptions): Router {
  const router = new Router();
  const on = (spec: RouteSpec, handler: (input: Input, ctx: Koa.Context, reqId: string) => unknown) => {
    router.register(spec.path, [spec.method], async (ctx) => {
      if (spec.anyOrigin) ctx.set('Access-Control-Allow-Origin', '*');
      const answer = await handler(inputOf(spec, { path: ctx.path, query: ctx.query, body: ctx.request.body }), ctx, ctx.state.reqId as string);
      if (answer !== undefined) ctx.body = answer;
    });
  };
  on(routes.health, () => {
    if (node.state !== 'ready') throw new ChordError('NOT_READY', `node is ${node.state}`);
    return { ok: true };
  });
  on(routes.status, () => node.status());
  on(routes.metrics, async (_, ctx) => {
    const { body, contentType } = await options.metrics.text();
    ctx.type = contentType;
    return body;
  });
  on(routes.overlay, () => node.overlay());
  on(routes.list, ({ query }, ctx, reqId) => (isScan(ctx.query) ? node.prefixScan(scanOf(query), reqId) : node.ringContents(reqId)));
  on(routes.batch, ({ body }, _, reqId) => node.batch(batchOf(body), reqId));
  on(routes.get, ({ key }, _, reqId) => node.get(key, reqId));
  on(routes.watchPrefix, ({ query }, ctx, reqId) => serveEvents(ctx, (signal) => node.watchPrefix(query.prefix as string, signal, reqId)));
  on(routes.watch, ({ key }, ctx, reqId) => serveEvents(ctx, (signal) => node.watch(key, signal, reqId)));
  on(routes.put, ({ key, body }, _, reqId) => node.put(key, (body as PutBody).value, putOptionsOf(body as PutBody), reqId));
  on(routes.delete, ({ key, query }, _, reqId) => node.delete(key, query.context === undefined ? {} : { context: query.context as string }, reqId));
  // PUT or DELETE on /kv (or /kv/) names no key: say so rather than "method not allowed".
  on(routes.putNoKey, () => parseKey(''));
  on(routes.deleteNoKey, () => parseKey(''));
  on(routes.depart, async (_, ctx) => {
    const departed = await node.depart();
    ctx.res.once('finish', options.onDeparted);
    return departed;
  });
  on(routes.openapi, () => openApiDocument());
  on(routes.docs, (_, ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    return docsHtml();
  });
  const serveUi = (name: UiFile) => async (_: Input, ctx: Koa.Context) => {
    const { body, type } = await uiFile(name);
    ctx.type = type;
    return body;
  };
  on(routes.ui, serveUi('index.html'));
  on(routes.uiScript, serveUi('app.js'));
  on(routes.uiStyle, serveUi('app.css'));
  const rpc = async (ctx: Koa.Context) => {
    const allowed = node.rpcServer.methodOf(ctx.path);
    if (allowed && allowed !== ctx.method) ctx.set('Allow', allowed);
    ctx.body = await node.rpcServer.dispatch(ctx.method, ctx.path, ctx.request.body, ctx.state.reqId as string | undefined);
  };
  router.all(`${RPC_PREFIX}:call`, rpc);
  // A call to one ring id of a process holding several (common/vnodes.ts).
  router.all(`${RPC_PREFIX}vnode/:index/:call`, rpc);
  return router;
}
