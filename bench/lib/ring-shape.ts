/**
 * Where the ring-shaped ceiling (ring-server.ts) keeps a key: shared by its servers and by a
 * token-aware load generator that sends each request straight to the key's first server.
 */

/** The `k` servers of `servers` (in ring order) that hold `key`, first first: from its FNV-1a hash on, so keys spread evenly. */
export function lineOf<T>(key: string, servers: readonly T[], k: number): T[] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  const first = (hash >>> 0) % servers.length;
  return Array.from({ length: Math.min(k, servers.length) }, (_, i) => servers[(first + i) % servers.length]);
}
