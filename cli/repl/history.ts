/**
 * The repl's history across sessions: ~/.chordkv_history, newest last, at most MAX lines.
 * History is a convenience, so a missing, unreadable or unwritable file is silently skipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const MAX_HISTORY = 1000;

const historyFile = () => join(homedir(), '.chordkv_history');

/** The saved lines, newest first (the order node:readline keeps its history in). */
export function loadHistory(): string[] {
  try {
    return readFileSync(historyFile(), 'utf8').split('\n').filter((line) => line.trim() !== '').reverse().slice(0, MAX_HISTORY);
  } catch {
    return [];
  }
}

/** Saves readline's history (newest first) as the file keeps it (newest last). */
export function saveHistory(history: readonly string[]): void {
  try {
    writeFileSync(historyFile(), history.slice(0, MAX_HISTORY).reverse().join('\n') + '\n', { mode: 0o600 });
  } catch {
    // read-only home, no home: this session's history still works in memory
  }
}
