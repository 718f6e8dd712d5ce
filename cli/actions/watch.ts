/** `chordkv watch KEY` / `--prefix P`: prints every change as it happens, until Ctrl-C. */
import { openEventStream } from '../../common/transport.js';
import { paths, type ErrorBody, type WatchEvent } from '../../common/wire.js';
import { format, printError, printResult, type Printer } from '../output.js';
import { ChordError } from '../../common/errors.js';
import type { ClientFlags } from './client.js';

export async function watch(flags: ClientFlags, printer: Printer, what: { key: string } | { prefix: string }): Promise<number> {
  let failed: ChordError | undefined;
  const path = 'key' in what ? paths.watch(what.key) : paths.watchPrefix(what.prefix);
  const described = 'key' in what ? JSON.stringify(what.key) : `every key starting with ${JSON.stringify(what.prefix)}`;
  const stream = openEventStream(flags.node, path, {
    onOpen: () => printer.err(`watching ${described} at ${flags.node}; Ctrl-C stops`),
    onEvent: (type, data) => {
      if (type === 'change') printResult(printer, JSON.parse(data) as WatchEvent, format.change);
      if (type === 'error') failed = ChordError.fromBody(JSON.parse(data) as ErrorBody, 500);
    },
  });
  const stop = () => stream.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await stream.done;
    return failed ? printError(printer, failed, flags.node) : 0;
  } catch (err) {
    return printError(printer, err, flags.node);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
