/**
 * Logger: one JSON line per event on stderr (pino), so stdout stays for results and
 * readiness. Every line names the node (`node`: its address, `id`: its ring id in hex);
 * a line written for a request carries its id as the field `reqId` (see request-id.ts).
 * `pretty` turns the lines into human-readable ones (pino-pretty), as for a terminal.
 */
import { pino, type DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Values a line carries besides its message (a peer's address, an error code, a count). */
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** Whether debug lines are written: a hot path builds its message and fields only then. */
  readonly debugEnabled: boolean;
}

/** Something lines can be written to: one whole line per write. */
export type LogDestination = DestinationStream;

export interface LoggerOptions {
  /** The node's ring id in hex, written as `id` on every line. */
  id?: string;
  /** Human-readable lines instead of JSON; default: when stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go instead of stderr (tests capture them); each write is one whole line. */
  destination?: LogDestination;
}

// One synchronous stream per process for each format, shared by the loggers of every node in
// it: a line is on stderr when the call returns, even right before process.exit.
let jsonStderr: DestinationStream | undefined;
let prettyStderr: DestinationStream | undefined;

function stderrStream(pretty: boolean): DestinationStream {
  if (pretty) {
    prettyStderr ??= PinoPretty({
      destination: 2, sync: true, colorize: process.stderr.isTTY === true, singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,node,id', messageFormat: '[{node}] {msg}',
    });
    return prettyStderr;
  }
  jsonStderr ??= pino.destination({ fd: 2, sync: true });
  return jsonStderr;
}

/** A logger whose lines carry `node: name` (and `id`); lines below `level` are dropped. */
export function createLogger(name: string, level: Level | 'silent' = 'info', options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const logger = pino({
    level,
    base: { node: name, ...(options.id ? { id: options.id } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level by name in JSON ("warn", not 40); pino-pretty reads pino's numbers.
    ...(pretty ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
  }, options.destination ?? stderrStream(pretty));
  const at = (method: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Fields) => {
    if (fields) logger[method](fields, message);
    else logger[method](message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), debugEnabled: logger.isLevelEnabled('debug') };
}
