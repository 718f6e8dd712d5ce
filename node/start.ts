/**
 * Starts a ring member from a validated config: listen, learn the bound address,
 * create or join the ring, serve. Used by the executable and by in-process tests alike.
 */
import http from 'node:http';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ChordError, isGone, isTimeout, NotReady } from '../common/errors.js';
import { createLogger, type LogDestination, type Logger } from '../common/log.js';
import { hashId, idToHex } from '../common/ring.js';
import { describeSettings } from '../common/wire.js';
import { createTransport } from '../common/transport.js';
import { processOf, vnodeAddress, vnodeCount } from '../common/vnodes.js';
import { ChordNode } from './chord-node.js';
import { noMetrics, PromMetrics } from './metrics.js';
import type { NodeConfig } from './config.js';
import { createApp } from './http/app.js';
import { joinTogether } from './membership/process-change.js';
import { ProcessNode } from './process.js';
import { state as stateCall } from './rpc/maintenance.js';
import { FrameServer, refuse } from './rpc/frame-server.js';
import type { MemoryNetwork } from './rpc/memory-network.js';
import { RpcClient } from './rpc/spec.js';
import { ensureDataDir, LevelStore } from './storage/level-store.js';
import { MemoryStore } from './storage/memory-store.js';
import { MemoryHintBook, type HintBook } from './storage/hints.js';
import { FilePeerBook, MemoryPeerBook, type PeerBook } from './storage/peer-book.js';
import type { Store } from './storage/store.js';

/** What a caller may hand a node instead of what its config would build. */
export interface StartComponents {
  store?: Store;
  peerBook?: PeerBook;
  /** Node-to-node calls go over this in-memory network instead of HTTP (tests). */
  network?: MemoryNetwork;
  /** Where the node's log lines go instead of stderr (tests read them). */
  logDestination?: LogDestination;
}

export interface RunningNode {
  /** The process's first ring id (its only one, unless the ring has virtual nodes). */
  readonly node: ChordNode;
  /** What the process serves: all of its ring ids. */
  readonly process: ProcessNode;
  readonly vnodes: readonly ChordNode[];
  readonly address: string;
  /** Resolves after the node has departed and answered the depart request. */
  readonly departed: Promise<void>;
  /** Stops serving and releases everything (no goodbye to the ring). */
  stop(): Promise<void>;
}

/** Starts a node; resolves once it has created or joined the ring and serves every route. */
export async function startNode(config: NodeConfig, components: StartComponents = {}): Promise<RunningNode> {
  // Until the node is wired, every request (a peer probing an address it remembers) gets a
  // prompt 503 rather than no answer at all.
  let handle: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'NOT_READY', message: 'the node is starting' } }));
  };
  const server = http.createServer((req, res) => handle(req, res));
  // Peers' frame connections arrive on the same port as an HTTP Upgrade (node/rpc/frame-server.ts).
  let upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void = (_req, socket) => {
    refuse(socket, new ChordError('NOT_READY', 'the node is starting'));
  };
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head));
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
  const transportOptions = { timeoutMs: config.requestTimeoutMs, secret: config.secret };
  const transport = components.network?.transport(address, transportOptions)
    ?? createTransport({ ...transportOptions, transport: config.peerTransport });
  const metrics = config.metrics ? new PromMetrics({ node: address }) : noMetrics;
  const rpc = new RpcClient(transport, metrics);
  const dir = dataDirOf(config, bound.port);
  const parts: VnodeParts[] = [];
  let peerBook: PeerBook;
  let count: number;
  try {
    // The peer book is read before the stores open (it says whom to ask how many ids to hold): an unusable dir is refused first.
    if (dir) await ensureDataDir(dir);
    peerBook = components.peerBook ?? (dir ? new FilePeerBook(dir, config.fsync) : new MemoryPeerBook());
    count = vnodeCount(await ringVnodes(rpc, config, address, await peerBook.read()), config.weight);
    if (components.store && count > 1) throw new RangeError('a store handed in serves one ring id; this process holds several');
    // One store per process: with several ids, one database in which each id keeps its pairs apart.
    const onDisk = dir === undefined || components.store ? undefined
      : count === 1 ? [await LevelStore.open(dir, address, { sync: config.fsync })] : await LevelStore.openMany(dir, address, count, { sync: config.fsync });
    for (let index = 0; index < count; index++) {
      const store = components.store ?? onDisk?.[index] ?? new MemoryStore();
      parts.push({ address: vnodeAddress(address, index, count), store, hints: store instanceof LevelStore ? await store.hintBook() : new MemoryHintBook() });
    }
  } catch (err) {
    server.close();
    transport.close();
    await Promise.all(parts.map((part) => part.store.close()));
    throw err;
  }
  const logOf = (name: string, id?: bigint) =>
    createLogger(name, config.logLevel, { ...(id === undefined ? {} : { id: idToHex(id) }), pretty: config.logPretty, destination: components.logDestination });
  const logs = parts.map((part) => logOf(part.address, hashId(part.address)));
  // One id: the process is that member and logs as it; several: each logs under its own address.
  const processLog = count === 1 ? logs[0] : logOf(address);
  const nodes: ChordNode[] = parts.map(({ address: vnodeAddr, store, hints }, index) => {
    const id = hashId(vnodeAddr);
    const log = logs[index];
    // The first id keeps the process's peer book; every id reports to the process's metrics.
    return new ChordNode(config, {
      self: { id, address: vnodeAddr }, store, hints, rpc, log,
      peerBook: index === 0 ? peerBook : new MemoryPeerBook(), metrics,
      ...(count > 1 ? { siblings: (): readonly ChordNode[] => nodes } : {}),
    });
  });
  const change = { rpc, log: processLog, lockLeaseMs: config.lockLeaseMs };
  const processNode = new ProcessNode(address, nodes, change);
  const node = nodes[0];
  components.network?.attach(address, processNode.rpcServer, config.secret);
  const frames = new FrameServer({ dispatch: (method, path, body, requestId) => processNode.rpcServer.dispatch(method, path, body, requestId), secret: config.secret, log: processLog, metrics });

  let markDeparted!: () => void;
  const departed = new Promise<void>((resolve) => { markDeparted = resolve; });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    components.network?.detach(address);
    await processNode.close();
    server.close();
    frames.close();
    for (const socket of sockets) socket.destroy();
    transport.close();
    await Promise.all(parts.map((part) => part.store.close()));
  };
  const serve = createApp(processNode, processLog, { onDeparted: () => markDeparted(), secret: config.secret, metrics }).callback();
  handle = (req, res) => void serve(req, res);
  upgrade = (req, socket, head) => frames.upgrade(req, socket, head);

  try {
    const knownPeers = (await peerBook.read()).filter((peer) => processOf(peer) !== address);
    // One id joins as it always has; several join together, one membership change for all.
    const joinThrough = (contact: string) => (nodes.length === 1 ? node.membership.join(contact, knownPeers) : joinTogether(nodes, contact, change));
    const created = await enterRing(joinThrough, processLog, config, knownPeers);
    if (created) {
      // Some ids got in before the contacts stopped answering: a ring of our own now would split the ring.
      if (nodes.some((v) => v.state !== 'joining')) throw new NotReady('the ring stopped answering while this process was joining it; start it again', 'RING_CHANGING');
      node.membership.create();
      if (nodes.length > 1) await joinTogether(nodes.slice(1), node.self.address, change);
    }
    await node.maintenance.rememberPeers();
    for (const vnode of nodes) vnode.maintenance.start();
  } catch (err) {
    await stop();
    throw err;
  }
  const ids = count > 1 ? `, ${count} ring ids` : '';
  processLog.info(`serving as ${address} (k=${node.settings.k}, ${describeSettings(node.settings)}${ids})`, { k: node.settings.k, consistency: node.settings.mode, vnodes: count });
  return { node, process: processNode, vnodes: nodes, address, departed, stop };
}

interface VnodeParts {
  readonly address: string;
  readonly store: Store;
  readonly hints: HintBook;
}

/**
 * How many ring ids per process the ring has (before this process's weight): the ring's
 * own setting, asked of the contact or a peer from before a restart; this config's when it
 * creates a ring. A contact that does not answer is left for joining to report.
 */
async function ringVnodes(rpc: RpcClient, config: NodeConfig, address: string, knownPeers: string[]): Promise<number> {
  const contacts = [...new Set([...(config.contact ? [config.contact] : []), ...knownPeers])].filter((peer) => processOf(peer) !== address);
  const deadline = Date.now() + (config.contact ? config.joinWaitMs : 0);
  do {
    for (const contact of contacts) {
      try {
        const remote = await rpc.call(stateCall, contact, undefined);
        if (remote.member) return remote.settings.vnodes ?? 1;
      } catch {
        // gone or starting: the next contact, or joining says what is wrong
      }
    }
    if (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < deadline);
  return config.vnodes;
}

/** The data dir the config asks for (see NodeConfig.dataDir); undefined: keep data in memory. */
function dataDirOf(config: NodeConfig, port: number): string | undefined {
  return config.dataDir ?? (config.memory || config.port === 0 ? undefined : join('data', `${config.host}-${port}`));
}

/**
 * Joins through the contact, or else through the members this process knew before a restart.
 * True when it should create a ring instead: it has no contact and none of its old peers answers.
 */
async function enterRing(join: (contact: string) => Promise<void>, log: Logger, config: NodeConfig, knownPeers: string[]): Promise<boolean> {
  const contacts = [...new Set([...(config.contact ? [config.contact] : []), ...knownPeers])];
  let lastError: unknown;
  // A contact started a moment later than this node (a whole ring restarted at once) gets a few seconds.
  const deadline = Date.now() + (config.contact ? config.joinWaitMs : 0);
  do {
    for (const contact of contacts) {
      try {
        await join(contact);
        if (contact !== config.contact) log.info(`rejoined the ring through ${contact}, a peer from before the restart`, { contact });
        return false;
      } catch (err) {
        // A contact that is gone, starting, or too slow to answer: try the next one. Anything
        // else (a peer behind a live contact is gone, say, for longer than the join waits)
        // is the ring's answer: creating a ring of our own instead would split it.
        const { code } = err as { code?: string };
        if (!isGone(err, contact) && !isTimeout(err, contact) && code !== 'NOT_READY') throw err;
        lastError = err;
      }
    }
    if (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < deadline);
  if (config.contact) throw lastError;
  if (knownPeers.length > 0) log.info('none of the peers from before the restart answers: starting a new ring with this node\'s data');
  return true;
}
