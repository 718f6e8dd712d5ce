/** Logger: one line per event on stderr, so stdout stays for results and readiness. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that prefixes each line with a timestamp and `name`; lines below `level` are dropped. */
export function createLogger(name: string, level: Level | 'silent' = 'info'): Logger {
  const threshold = level === 'silent' ? Infinity : ORDER[level];
  const write = (at: Level) => (message: string) => {
    if (ORDER[at] < threshold) return;
    process.stderr.write(`${new Date().toISOString()} ${at.padEnd(5)} [${name}] ${message}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
