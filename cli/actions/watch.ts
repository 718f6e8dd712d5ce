/** `chordkv watch KEY`: prints every change of a key as it happens, until Ctrl-C. */
import { openEventStream } from '../../common/transport.js';
import { paths, type ErrorBody, type WatchEvent } from '../../common/wire.js';
import { format, printError, printResult, type Printer } from '../output.js';
import { ChordError } from '../../common/errors.js';
import type { ClientFlags } from './client.js';

export async function watch(flags: ClientFlags, printer: Printer, key: string): Promise<number> {
  let failed: ChordError | undefined;
  const stream = openEventStream(flags.node, paths.watch(key), {
    onOpen: () => printer.err(`watching ${JSON.stringify(key)} at ${flags.node}; Ctrl-C stops`),
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
