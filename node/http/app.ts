/**
 * The Koa adapter (the only module that imports Koa): routes parse the request, call
 * the node, and return its answer. Errors are mapped in one middleware.
 */
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { paths, PUBLIC_BODY_LIMIT, RPC_BODY_LIMIT, SECRET_HEADER, type KeyedItem, type PeerJson } from '../../common/wire.js';
import type { ChordNode } from '../chord-node.js';
import { itemsOf, overlayOf, ringContents, statusOf } from '../views.js';
import { bodyError, errorBoundary } from './errors.js';
import {
  field, isAddressList, isHexId, isItemList, isLeaseMs, isPeerJson, parseKey, parseOp, parsePointers, parseValue,
} from './validate.js';

export interface AppOptions {
  /** Called after POST /depart has answered: the process (or test) decides what stopping means. */
  onDeparted: () => void;
  secret?: string;
}

const isString = (v: unknown) => typeof v === 'string';

export function createApp(node: ChordNode, log: Logger, options: AppOptions): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered by the boundary, not printed by Koa
  app.use(errorBoundary(log));
  app.use(requireSecret(options.secret));
  const publicBody = bodyParser({ enableTypes: ['json'], jsonLimit: PUBLIC_BODY_LIMIT, strict: true, onerror: bodyError });
  const rpcBody = bodyParser({ enableTypes: ['json'], jsonLimit: RPC_BODY_LIMIT, strict: true, onerror: bodyError });
  app.use((ctx, next) => (ctx.path.startsWith('/rpc/') ? rpcBody : publicBody)(ctx, next));

  const router = new Router();
  router.get(paths.health, (ctx) => {
    if (node.state !== 'ready') throw new ChordError('NOT_READY', `node is ${node.state}`, 503);
    ctx.body = { ok: true };
  });
  router.get(paths.status, async (ctx) => { ctx.body = await statusOf(node); });
  router.get(paths.overlay, async (ctx) => { ctx.body = await overlayOf(node); });
  router.get(paths.kv, async (ctx) => { ctx.body = await ringContents(node); });
  router.get('/kv/:key', async (ctx) => { ctx.body = await node.get(rawKey(ctx.path)); });
  router.put('/kv/:key', async (ctx) => {
    const key = rawKey(ctx.path);
    ctx.body = await node.put(key, parseValue(ctx.request.body));
  });
  router.delete('/kv/:key', async (ctx) => { ctx.body = await node.delete(rawKey(ctx.path)); });
  // PUT or DELETE on /kv (or /kv/) names no key: say so rather than "method not allowed".
  router.put(paths.kv, () => { parseKey(''); });
  router.delete(paths.kv, () => { parseKey(''); });
  router.post(paths.depart, async (ctx) => {
    ctx.body = await node.membership.depart();
    ctx.res.once('finish', options.onDeparted);
  });

  const rpc = paths.rpc;
  router.get(rpc.state, async (ctx) => { ctx.body = { ...(await statusOf(node, false)), settings: node.settings }; });
  router.post(rpc.op, async (ctx) => { ctx.body = await node.handleOp(parseOp(ctx.request.body)); });
  router.post(rpc.chain, async (ctx) => {
    const body = ctx.request.body;
    ctx.body = await node.applyChain(field<KeyedItem[]>(body, 'items', isItemList), field<string[]>(body, 'rest', isAddressList));
  });
  router.post(rpc.read, async (ctx) => {
    const body = ctx.request.body;
    ctx.body = await node.readLocal(field<string>(body, 'key', isString), field<number>(body, 'hops', Number.isInteger));
  });
  router.post(rpc.apply, async (ctx) => {
    ctx.body = { applied: await node.applyItems(field<KeyedItem[]>(ctx.request.body, 'items', isItemList)) };
  });
  router.get(rpc.items, async (ctx) => { ctx.body = await itemsOf(node); });
  router.post(rpc.findSuccessor, async (ctx) => {
    const body = ctx.request.body;
    ctx.body = await node.findSuccessor(field<string>(body, 'id', isHexId), field<number>(body, 'hops', Number.isInteger));
  });
  router.post(rpc.join, async (ctx) => { ctx.body = await node.membership.admit(field<PeerJson>(ctx.request.body, 'node', isPeerJson)); });
  router.post(rpc.lock, async (ctx) => {
    const body = ctx.request.body;
    await node.lock.acquireExclusive(field<string>(body, 'token', isString), field<number>(body, 'leaseMs', isLeaseMs));
    ctx.body = { locked: true };
  });
  router.post(rpc.unlock, (ctx) => {
    ctx.body = { unlocked: node.lock.releaseExclusive(field<string>(ctx.request.body, 'token', isString)) };
  });
  router.post(rpc.refresh, async (ctx) => {
    ctx.body = { successors: await node.membership.refresh(field<string[]>(ctx.request.body, 'exclude', isAddressList)) };
  });
  router.post(rpc.pointers, (ctx) => {
    node.setPointers(parsePointers(ctx.request.body));
    ctx.body = { ok: true };
  });
  router.post(rpc.notify, async (ctx) => {
    ctx.body = { changed: await node.notify(field<PeerJson>(ctx.request.body, 'node', isPeerJson)) };
  });
  router.post(rpc.kick, (ctx) => {
    node.maintenance.kick();
    ctx.body = { ok: true };
  });
  router.post(rpc.reconcile, async (ctx) => { ctx.body = await node.replicas.reconcile(); });

  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}

/** The key as sent: the raw path after /kv/, decoded exactly once. */
function rawKey(path: string): string {
  return parseKey(path.slice(paths.kv.length + 1));
}

function requireSecret(secret: string | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if (secret && (ctx.path.startsWith('/rpc/') || ctx.path === paths.depart) && ctx.get(SECRET_HEADER) !== secret) {
      throw new ChordError('UNAUTHORIZED', 'this call needs the cluster secret', 401);
    }
    await next();
  };
}
