/**
 * Requests to etcd's v3 HTTP/JSON gateway (grpc-gateway on the client URL), built and read
 * here so that they can be tested without an etcd: keys and values travel base64-encoded;
 * a range answer without `kvs` means the key is absent.
 */

export interface GatewayRequest {
  path: string;
  body: Record<string, unknown>;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Stores `value` under `key` (etcd's put: linearizable, through Raft). */
export function etcdPut(key: string, value: string): GatewayRequest {
  return { path: '/v3/kv/put', body: { key: base64(key), value: base64(value) } };
}

/**
 * Reads `key`. Linearizable by default (the member confirms its leadership view with a
 * ReadIndex round before answering); `serializable` answers from the member's own copy,
 * which may lag, as an eventual ring's read may.
 */
export function etcdRange(key: string, serializable = false): GatewayRequest {
  return { path: '/v3/kv/range', body: { key: base64(key), ...(serializable && { serializable: true }) } };
}

interface RangeAnswer {
  kvs?: { key?: string; value?: string }[];
}

/** The value a range answer holds, decoded; undefined when the key is absent. */
export function etcdValue(answer: unknown): string | undefined {
  const kv = (answer as RangeAnswer | undefined)?.kvs?.[0];
  return kv === undefined ? undefined : Buffer.from(kv.value ?? '', 'base64').toString('utf8');
}
