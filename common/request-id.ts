/**
 * Request ids. The HTTP app gives each public request one (or keeps the client's); it is
 * passed along by hand from there: to the router and the replication strategy, into every
 * node-to-node call made for the request (a frame's envelope, an HTTP header), and into the
 * fields of the log lines written for it. Not through AsyncLocalStorage: on Node 20 that runs
 * a promise hook at every promise in the process: passing the id by hand cut the CPU of a
 * linearizable insert by 5–22 % and of a query by 0–15 % in alternating rounds
 * (docs/experiments.md).
 */
import { randomBytes } from 'node:crypto';

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
export function validRequestId(header: string | undefined | null): string | undefined {
  return typeof header === 'string' && VISIBLE_ASCII.test(header) ? header : undefined;
}
