/** Writes a scenario's rows as CSV and its chart (if any) as SVG (the repo's own chart code) into the output folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg, type LineChart } from '../bench/lib/line-chart.js';
import { barChartSvg, type BarChart } from '../bench/lib/svg-chart.js';

/** Rows as CSV: the first row's keys are the header; a value with a comma or quote is quoted. */
export function toCsv(rows: readonly object[]): string {
  if (rows.length === 0) return '';
  const header = Object.keys(rows[0]);
  const cell = (value: unknown) => {
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value as string | number | undefined ?? '');
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header.join(','), ...rows.map((row) => header.map((h) => cell((row as Record<string, unknown>)[h])).join(','))].join('\n') + '\n';
}

/** Rows as a markdown table, for the terminal and for docs/scale.md. */
export function toMarkdown(rows: readonly object[]): string {
  if (rows.length === 0) return '';
  const header = Object.keys(rows[0]);
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${header.map((h) => String((row as Record<string, unknown>)[h])).join(' | ')} |`),
  ].join('\n');
}

export async function writeScenario(dir: string, name: string, rows: readonly object[], chart?: { line: LineChart } | { bar: BarChart }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.csv`), toCsv(rows));
  if (chart) await writeFile(join(dir, `${name}.svg`), 'line' in chart ? lineChartSvg(chart.line) : barChartSvg(chart.bar));
}
