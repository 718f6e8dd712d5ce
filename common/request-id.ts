/**
 * The id of the public request being served, carried through its async work by
 * AsyncLocalStorage: the HTTP app sets it where a request enters (public or /rpc), the
 * transports read it when they call another node, the logger when it writes a line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

const current = new AsyncLocalStorage<string>();

/** The id of the request whose work is running now, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** Runs `fn` as work of request `id`; with no id, as work of no request (nothing is inherited). */
export function withRequestId<T>(id: string | undefined, fn: () => T): T {
  return id === undefined ? current.exit(fn) : current.run(id, fn);
}

/**
 * This process's ids: a random 8-digit prefix drawn once, then a counter. Short enough to read
 * and grep; unique within the process (the counter does not wrap before 2^53) and, by the
 * prefix, all but surely across a ring's processes. Drawing 6 random bytes per request cost
 * more CPU than the whole rest of the request id's handling.
 */
const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** A fresh id: the process's 8 hex digits, then the counter's, at least 6 (14 hex digits or more). */
export function newRequestId(): string {
  counter++;
  return prefix + counter.toString(16).padStart(6, '0');
}

const VISIBLE_ASCII = /^[\x21-\x7e]{1,128}$/;

/** `header` when it is a usable id (1 to 128 visible ASCII characters), else undefined. */
export function validRequestId(header: string | undefined): string | undefined {
  return header !== undefined && VISIBLE_ASCII.test(header) ? header : undefined;
}
