/**
 * The seam every node-to-node and client call goes through, apart from the modules that
 * implement it, so that each transport (HTTP, frames) can name it without importing the others.
 */

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Transport {
  /**
   * Calls `method path` on `address` (host:port); resolves the parsed JSON body of a 2xx, else
   * throws ChordError. `requestId`: the public request the call is made for, if any (the
   * receiver's log lines carry it).
   */
  call<T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, requestId?: string): Promise<T>;
  /** Closes pooled sockets so that a process (or a test) can exit promptly. */
  close(): void;
}
