/** Markdown tables, aligned so that they also read well as plain text on a terminal. */

export type Cell = string | number;

export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[], numeric?: readonly boolean[]): string {
  const text = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  const right = numeric ?? header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const pad = (cell: string, i: number) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]));
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...text.map(line)].join('\n');
}
