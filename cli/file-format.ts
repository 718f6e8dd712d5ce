/**
 * The request-file formats of `chordkv file` and `fileparallel` (the assignment's):
 * insert lines `key, value`; query lines `key`; mix lines `insert, key, value` or `query, key`.
 * Pure: text in, requests and problems out, so every rule is testable without a ring.
 */
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../common/wire.js';

export type FileType = 'insert' | 'query' | 'mix';
export const FILE_TYPES: readonly FileType[] = ['insert', 'query', 'mix'];

/** One request of a file; `line` is its 1-based line number there. */
export type Request =
  | { op: 'insert'; key: string; value: string; line: number }
  | { op: 'query'; key: string; line: number };

/** A line that could not be read as a request; the parse goes on past it. */
export interface LineProblem {
  line: number;
  text: string;
  reason: string;
}

export interface ParsedFile {
  requests: Request[];
  problems: LineProblem[];
}

/** Thrown by a line parser; caught per line and turned into a LineProblem. */
class Malformed extends Error {}

/** Type guard for the --type choices. */
export function isFileType(value: unknown): value is FileType {
  return typeof value === 'string' && (FILE_TYPES as readonly string[]).includes(value);
}

/**
 * Parses the text of a request file of `type`. Keys and values are trimmed; blank lines are
 * skipped. A value is everything after the first comma (so it may hold commas); a query key is
 * the whole line (for mix lines, everything after the verb). Never throws on content: each bad
 * line becomes a problem with its line number.
 */
export function parseRequests(text: string, type: FileType): ParsedFile {
  const requests: Request[] = [];
  const problems: LineProblem[] = [];
  // A byte-order mark would otherwise become part of the first key.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    try {
      requests.push(parseLine(raw, type, line));
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      problems.push({ line, text: raw, reason: err.message });
    }
  });
  return { requests, problems };
}

function parseLine(raw: string, type: FileType, line: number): Request {
  switch (type) {
    case 'insert':
      return insertRequest(raw, line, 'an insert line is "key, value"');
    case 'query':
      return { op: 'query', key: checkKey(raw.trim()), line };
    case 'mix':
      return mixRequest(raw, line);
  }
}

function mixRequest(raw: string, line: number): Request {
  const [verb, rest] = splitFirst(raw);
  const op = verb.toLowerCase();
  if (rest === undefined) {
    throw new Malformed(op === 'insert' || op === 'query'
      ? `"${verb}" needs a key after a comma: a mix line is "insert, key, value" or "query, key"`
      : 'a mix line is "insert, key, value" or "query, key"');
  }
  if (op === 'insert') return insertRequest(rest, line, 'a mix insert line is "insert, key, value"');
  if (op === 'query') return { op: 'query', key: checkKey(rest.trim()), line };
  throw new Malformed(`unknown request "${verb}": a mix line starts with insert or query`);
}

function insertRequest(text: string, line: number, shape: string): Request {
  const [key, value] = splitFirst(text);
  if (value === undefined) throw new Malformed(`no comma between key and value: ${shape}`);
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw new Malformed(`the value is larger than ${MAX_VALUE_BYTES} bytes of UTF-8`);
  }
  return { op: 'insert', key: checkKey(key), value, line };
}

/** Splits at the first comma and trims both sides; `rest` is undefined when there is no comma. */
function splitFirst(text: string): [string, string | undefined] {
  const comma = text.indexOf(',');
  if (comma < 0) return [text.trim(), undefined];
  return [text.slice(0, comma).trim(), text.slice(comma + 1).trim()];
}

/** The node would refuse these keys; catching them here names the line instead of a failed request. */
function checkKey(key: string): string {
  if (key.length === 0) throw new Malformed('empty key');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new Malformed(`the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  return key;
}
