/**
 * Checks of command-line flags, run by yargs before any command starts: a bad flag is
 * one line naming it, exit 2, and nothing started or sent.
 */

/** A flag's value as the user typed it (yargs turns a non-number into NaN). */
const shown = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value));

/** A problem with one flag (named as typed: `--node`, `-k`), or undefined. */
type Problem = string | undefined;

/** HOST:PORT of a node, as --node and --bootstrap take it. */
export function checkAddress(flag: string, value: unknown): Problem {
  if (value === undefined) return undefined;
  const text = shown(value);
  if (/^[a-z]+:\/\//i.test(text)) return `${flag} takes HOST:PORT without a scheme (got ${text}; try ${text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')})`;
  const match = /^([^\s:/]+):(\d{1,5})$/.exec(text);
  if (!match) return `${flag} must be HOST:PORT, like 127.0.0.1:5000 (got ${text})`;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return `${flag} has port ${port}; a port is from 1 to 65535`;
  return undefined;
}

/** A positive number of milliseconds (or of anything else). */
export function checkPositive(flag: string, value: unknown): Problem {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `${flag} must be a positive number (got ${shown(value)})`;
}

/** A whole number from `min` to `max`. */
export function checkWhole(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): Problem {
  if (value === undefined) return undefined;
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
    ? undefined : `${flag} must be a whole number from ${min} to ${max} (got ${shown(value)})`;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration like `500ms`, `30s`, `5m`, `2h`, `1d` (a bare number is milliseconds); undefined if it is none. */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNITS_MS[match[2] ?? 'ms']);
  return ms >= 1 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration flag (see `durationMs`). */
export function checkDuration(flag: string, value: unknown): Problem {
  if (value === undefined) return undefined;
  return durationMs(shown(value)) === undefined ? `${flag} must be a duration like 500ms, 30s, 5m, 2h or 1d (got ${shown(value)})` : undefined;
}

/** The answer of a yargs `check`: true, or the first problem (which yargs then prints, exiting 2). */
export function firstProblem(...problems: Problem[]): true | string {
  return problems.find((p) => p !== undefined) ?? true;
}
