/**
 * Every public route, declared once: app.ts registers each with the router by this
 * declaration and checks its request against the declared parameters and body
 * (validate.ts); openapi.ts turns the same declarations into GET /openapi.json.
 */
import type { ErrorCode } from '../../common/errors.js';
import { paths } from '../../common/wire.js';
import {
  allAnswer, batchAnswer, deleteAnswer, departAnswer, healthAnswer, overlayAnswer, quorumAnswer, scanAnswer, statusAnswer, valueAnswer,
} from '../schema/answers.js';
import type { Schema } from '../schema/check.js';
import { batchBody, deleteParams, keyParam, putBody, scanParams, watchParams, type Parameter } from '../schema/requests.js';

export interface RouteSpec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** As the router matches it (`/kv/:key`); a parameter may only end the path. */
  path: string;
  summary: string;
  params?: readonly Parameter[];
  body?: Schema;
  /** The 200 answer: JSON of this schema, server-sent events, or another media type. */
  answer?: Schema | 'events' | { mediaType: string; description: string };
  /** Codes besides those its parameters and body are refused with (and INTERNAL, which any route may answer). */
  codes: readonly ErrorCode[];
  /** Refused without the cluster secret, when the nodes have one. */
  secret?: boolean;
  /**
   * Answered with `Access-Control-Allow-Origin: *`, so that a page served by one node (GET /ui)
   * may read it from every other node. Only the ring's metadata: no route that carries pairs.
   */
  anyOrigin?: boolean;
}

/** A body that is not JSON, too large or not declared JSON. */
const BODY: ErrorCode[] = ['BAD_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** The node is not serving yet, or the ring changed or failed under the request. */
/** A quorum ring could not reach R or W replicas. */
const QUORUM: ErrorCode[] = ['QUORUM_NOT_MET'];
const RING: ErrorCode[] = ['NOT_READY', 'NOT_A_MEMBER', 'RING_CHANGING', 'ROUTING_LOOP', 'PEER_UNREACHABLE', 'PEER_TIMEOUT', 'BAD_RESPONSE'];

export const routes = {
  health: { method: 'GET', path: paths.health, summary: 'whether the node has joined and serves (503 before, and while departing)', answer: healthAnswer, codes: ['NOT_READY'], anyOrigin: true },
  status: { method: 'GET', path: paths.status, summary: 'the node\'s own view: pointers, fingers, settings, key counts', answer: statusAnswer, codes: [], anyOrigin: true },
  overlay: { method: 'GET', path: paths.overlay, summary: 'the ring\'s members in order, from the node asked', answer: overlayAnswer, codes: RING, anyOrigin: true },
  list: {
    method: 'GET',
    path: paths.kv,
    summary: 'without parameters: every live pair, by node; with any of prefix, limit, cursor: one page of a prefix scan',
    params: scanParams,
    answer: { oneOf: [allAnswer, scanAnswer] },
    codes: RING,
  },
  batch: {
    method: 'POST',
    path: paths.batch,
    summary: 'many operations at once; each answers (or fails) in its place; operations on one key apply in the order given',
    body: batchBody,
    answer: batchAnswer,
    codes: [...BODY, ...RING],
  },
  get: {
    method: 'GET',
    path: '/kv/:key',
    summary: 'read a key; a quorum ring answers a context, and siblings when concurrent writes left several values',
    params: [keyParam],
    answer: { oneOf: [valueAnswer, quorumAnswer] },
    codes: ['KEY_NOT_FOUND', ...QUORUM, ...RING],
  },
  watchPrefix: {
    method: 'GET',
    path: '/watch',
    summary: 'server-sent events: every acknowledged change of a key starting with prefix, each key\'s in version order',
    params: watchParams,
    answer: 'events',
    codes: RING,
  },
  watch: {
    method: 'GET',
    path: '/watch/:key',
    summary: 'server-sent events: every acknowledged change of the key from the moment of the call, in version order',
    params: [keyParam],
    answer: 'events',
    codes: RING,
  },
  put: {
    method: 'PUT',
    path: '/kv/:key',
    summary: 'write a key; optionally compare-and-set (ifVersion, ifAbsent; linearizable rings only), a time to live (not in quorum rings), '
      + 'and in a quorum ring the context of a read',
    params: [keyParam],
    body: putBody,
    answer: { oneOf: [valueAnswer, quorumAnswer] },
    codes: [...BODY, 'VERSION_MISMATCH', 'CONDITIONAL_WRITE_UNSUPPORTED', 'TTL_UNSUPPORTED', 'INVALID_CONTEXT', ...QUORUM, ...RING],
  },
  delete: {
    method: 'DELETE',
    path: '/kv/:key',
    summary: 'delete a key; in a quorum ring, with the context a read answered',
    params: [keyParam, ...deleteParams],
    answer: deleteAnswer,
    codes: ['KEY_NOT_FOUND', 'INVALID_CONTEXT', ...QUORUM, ...RING],
  },
  putNoKey: { method: 'PUT', path: paths.kv, summary: 'names no key: always refused (write to /kv/{key})', codes: [...BODY, 'INVALID_KEY'] },
  deleteNoKey: { method: 'DELETE', path: paths.kv, summary: 'names no key: always refused (delete /kv/{key})', codes: ['INVALID_KEY'] },
  depart: {
    method: 'POST',
    path: paths.depart,
    summary: 'leave the ring: answers once the node\'s data lives on its new holders; then the process exits',
    answer: departAnswer,
    codes: ['UNAUTHORIZED', 'LAST_NODE', ...RING],
    secret: true,
  },
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    summary: 'this document (OpenAPI 3.1)',
    answer: { type: 'object', description: 'an OpenAPI 3.1 document' },
    codes: [],
  },
  metrics: {
    method: 'GET',
    path: paths.metrics,
    summary: 'Prometheus metrics of this node (text exposition format); a comment line when metrics are off',
    answer: { mediaType: 'text/plain', description: 'requests, node-to-node calls, hops, maintenance, anti-entropy, keys held, ring size, backlog, process' },
    codes: [],
  },
  docs: {
    method: 'GET',
    path: '/docs',
    summary: 'this document as a web page',
    answer: { mediaType: 'text/html', description: 'the routes, their parameters, bodies, answers and error codes' },
    codes: [],
  },
  // The dashboard: static files of node/http/ui/ (ui.ts); the page reads the routes above.
  ui: {
    method: 'GET',
    path: paths.ui,
    summary: 'the dashboard: the ring drawn live, key counts and health per node, key search and key operations',
    answer: { mediaType: 'text/html', description: 'the dashboard page' },
    codes: [],
  },
  uiScript: {
    method: 'GET',
    path: `${paths.ui}/app.js`,
    summary: 'the dashboard\'s script',
    answer: { mediaType: 'application/javascript', description: 'the script GET /ui loads' },
    codes: [],
  },
  uiStyle: {
    method: 'GET',
    path: `${paths.ui}/app.css`,
    summary: 'the dashboard\'s style sheet',
    answer: { mediaType: 'text/css', description: 'the style sheet GET /ui loads' },
    codes: [],
  },
} as const satisfies Record<string, RouteSpec>;
