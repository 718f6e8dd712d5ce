/**
 * The bootstrap node: the first member. It creates the ring and fixes the ring-wide
 * settings (k, consistency) that every joining node adopts; after that it admits joins
 * like any other member and may depart like one.
 */
import type { NodeConfig } from '../node/config.js';
import { runNodeProcess } from '../node/main.js';

export function runBootstrapProcess(flags: Partial<NodeConfig>): Promise<void> {
  return runNodeProcess({ ...flags, contact: undefined });
}
