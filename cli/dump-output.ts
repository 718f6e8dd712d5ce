/**
 * The prose form of `chordkv dump`: one line per stored pair, sorted by key. Kept apart
 * from output.ts, which formats answers of the public API; a dump shows internals
 * (versions, tombstones) that no public answer carries.
 */
import { showVersion, type NodeItems } from '../common/wire.js';

export interface DumpView {
  /** Print values and keys whole, however long. */
  full: boolean;
  /** Where the list came from, when it was not a live node (shown in the header). */
  source?: string;
}

/** Longest value (in characters of its quoted form) printed whole; longer ones are cut. */
export const VALUE_WIDTH = 60;
const KEY_WIDTH = 40;

const q = (s: string) => JSON.stringify(s);

/** `text` cut to `width` characters with an ellipsis, and how long the original was. */
function cut(text: string, width: number, size: string): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}… (${size})`;
}

const utf8Size = (s: string) => `${Buffer.byteLength(s, 'utf8')} bytes`;

export function formatDump(dump: NodeItems, view: DumpView): string {
  const items = [...dump.items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const tombstones = items.filter((i) => i.value === null).length;
  const primary = items.filter((i) => i.role === 'primary').length;
  const header = `${dump.address} (id ${dump.id.slice(0, 10)}…)${view.source ? `, ${view.source}` : ''}: `
    + `${items.length} ${items.length === 1 ? 'entry' : 'entries'} — ${primary} primary, ${items.length - primary} replica, `
    + `${tombstones} tombstone${tombstones === 1 ? '' : 's'}`;
  if (items.length === 0) return `${header}\n(holds nothing)`;

  const rows = items.map((item) => {
    const key = view.full ? q(item.key) : cut(q(item.key), KEY_WIDTH, utf8Size(item.key));
    const value = item.value === null ? '(deleted: tombstone)'
      : view.full ? q(item.value) : cut(q(item.value), VALUE_WIDTH, utf8Size(item.value));
    return { key, value, version: showVersion(item.version), role: item.role };
  });
  const width = (column: 'key' | 'value' | 'version') => Math.max(column.length, ...rows.map((r) => r[column].length));
  const [kw, vw, nw] = [width('key'), width('value'), width('version')];
  const line = (key: string, value: string, version: string, role: string) =>
    `${key.padEnd(kw)}  ${value.padEnd(vw)}  ${version.padStart(nw)}  ${role}`;
  return [header, line('KEY', 'VALUE', 'VERSION', 'ROLE'), ...rows.map((r) => line(r.key, r.value, r.version, r.role))]
    .map((l) => l.trimEnd())
    .join('\n');
}
