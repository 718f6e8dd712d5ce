/**
 * `chordkv status --ring`: one row per member, built from the ring (GET /overlay) and each
 * member's own /status, and printed as a table in the manner of `nodetool status`.
 */
import { distance, hexToId, ringSize } from '../common/ring.js';
import type { MemberJson, StatusAnswer } from '../common/wire.js';

export type RowState = 'member' | 'joining' | 'departing' | 'unreachable';

export interface RingRow {
  address: string;
  id: string;
  state: RowState;
  /** The fraction of the id circle this node owns: the arc (predecessor, self]. */
  share: number;
  /** Live pairs held, by role; null when the node did not answer. */
  keys: StatusAnswer['keys'] | null;
  /** Why the node counts as unreachable. */
  error?: string;
}

/**
 * The rows of `members` (in ring order, as /overlay lists them) with the answers of their
 * /status calls, one per member and in the same order. Shares come from the ids alone, so
 * they add up to the whole ring even when some node does not answer.
 */
export function ringRows(members: readonly MemberJson[], answers: readonly (StatusAnswer | Error)[]): RingRow[] {
  return members.map((member, i) => {
    const predecessor = members[(i + members.length - 1) % members.length];
    // A lone node's arc from itself to itself is the whole circle, not nothing.
    const arc = members.length === 1 ? ringSize() : distance(hexToId(predecessor.id), hexToId(member.id));
    const share = Number((arc * 1_000_000n) / ringSize()) / 1_000_000;
    const answer = answers[i];
    if (answer instanceof Error) return { address: member.address, id: member.id, state: 'unreachable', share, keys: null, error: answer.message };
    return { address: member.address, id: member.id, state: rowState(answer), share, keys: answer.keys };
  });
}

function rowState(status: StatusAnswer): RowState {
  switch (status.state) {
    case 'ready': return 'member';
    case 'joining': return 'joining';
    case 'departing':
    case 'departed': return 'departing';
    // A node from before /status had `state`: only `ready` and `member` to go by.
    default: return status.ready ? 'member' : status.member ? 'departing' : 'joining';
  }
}

const COLUMNS = ['address', 'id', 'state', 'share', 'primary', 'replica', 'total'];

/** The table, then one line that sums it up. */
export function formatRing(rows: readonly RingRow[], ring: { k: number; consistency: string } | undefined): string {
  const cells = rows.map((r) => [
    r.address, r.id.slice(0, 8), r.state, `${(r.share * 100).toFixed(1)}%`,
    ...(r.keys ? [r.keys.primary, r.keys.replica, r.keys.total].map(String) : ['-', '-', '-']),
  ]);
  const widths = COLUMNS.map((name, c) => Math.max(name.length, ...cells.map((row) => row[c].length)));
  // Text columns line up on the left, numbers on the right.
  const line = (row: string[]) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const states = [...new Set(rows.map((r) => r.state))].map((s) => `${rows.filter((r) => r.state === s).length} ${s}`);
  const held = rows.reduce((sum, r) => sum + (r.keys?.total ?? 0), 0);
  const primary = rows.reduce((sum, r) => sum + (r.keys?.primary ?? 0), 0);
  const summary = `${rows.length} node${rows.length === 1 ? '' : 's'} (${states.join(', ')})`
    + `${ring ? `, k=${ring.k}, ${ring.consistency}` : ''}; ${held} cop${held === 1 ? 'y' : 'ies'} held, ${primary} primary`;
  return [line(COLUMNS), ...cells.map(line), summary].join('\n');
}
