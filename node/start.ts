/**
 * Starts a ring member from a validated config: listen, learn the bound address,
 * create or join the ring, serve. Used by the executable and by in-process tests alike.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPeerClient } from '../common/client.js';
import { createLogger } from '../common/log.js';
import { hashId } from '../common/ring.js';
import type { NodeConfig } from './config.js';
import { ChordNode } from './chord-node.js';
import { createApp } from './http/app.js';
import { MemoryStore } from './storage/memory-store.js';
import type { Store } from './storage/store.js';

export interface NodeComponents {
  store?: Store;
}

export interface RunningNode {
  readonly node: ChordNode;
  readonly address: string;
  /** Resolves after the node has departed and answered the depart request. */
  readonly departed: Promise<void>;
  /** Stops serving and releases everything (no goodbye to the ring). */
  stop(): Promise<void>;
}

/** Starts a node; resolves once it has created or joined the ring and serves every route. */
export async function startNode(config: NodeConfig, components: NodeComponents = {}): Promise<RunningNode> {
  const server = http.createServer();
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = config.advertise ?? `${config.host}:${bound.port}`;
  const log = createLogger(address, config.logLevel);
  const { peers, close: closeClient } = createPeerClient({ timeoutMs: config.requestTimeoutMs, secret: config.secret });
  const store = components.store ?? new MemoryStore();
  const node = new ChordNode(config, { id: hashId(address), address }, store, peers, log);

  let markDeparted!: () => void;
  const departed = new Promise<void>((resolve) => { markDeparted = resolve; });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await node.close();
    server.close();
    for (const socket of sockets) socket.destroy();
    closeClient();
    await store.close();
  };
  server.on('request', createApp(node, log, { onDeparted: () => markDeparted(), secret: config.secret }).callback());

  try {
    if (config.contact) await node.membership.join(config.contact);
    else node.membership.create();
  } catch (err) {
    await stop();
    throw err;
  }
  node.maintenance.start();
  log.info(`serving as ${address} (k=${node.settings.k}, ${node.settings.consistency})`);
  return { node, address, departed, stop };
}
