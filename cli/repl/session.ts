/**
 * `chordkv repl`: one prompt, many commands. Each line goes through the same yargs parser and
 * command handlers as the one-shot command line, so arguments, output and errors are the same;
 * only exiting differs: nothing a line does ends the session.
 */
import readline from 'node:readline';
import type { CommandModule } from 'yargs';
import { createKvClient } from '../../common/client.js';
import { checkAddress } from '../flags.js';
import { packageVersion as version } from '../../common/version.js';
import { buildParser, commandName, COMMANDS, shieldDashes } from '../parser.js';
import { loadHistory, MAX_HISTORY, saveHistory } from './history.js';
import { splitWords } from './words.js';

/** Commands refused at the prompt, and why. */
const ONE_SHOT: Record<string, string> = {
  bootstrap: 'it runs a node process',
  node: 'it runs a node process',
  up: 'it runs a whole ring until Ctrl-C',
  watch: 'it runs until Ctrl-C, which the prompt keeps for itself',
  repl: 'this is the repl already',
  completion: 'it prints a script for your shell profile',
};
const AT_PROMPT = COMMANDS.filter((c) => !Object.hasOwn(ONE_SHOT, commandName(c)));
const NAMES = AT_PROMPT.map(commandName);
const META: Record<string, string> = {
  '\\connect HOST:PORT': 'send the commands after it to this node',
  '\\json on|off': 'print JSON, as --json on every command',
  '\\help': 'this list',
  '\\quit': 'leave (Ctrl-D too)',
};
const META_NAMES = Object.keys(META).map((usage) => usage.split(' ')[0]);

export interface ReplOptions {
  node: string;
  json: boolean;
  timeout: number;
  secret?: string;
  direct?: boolean;
}

export async function runRepl(options: ReplOptions): Promise<void> {
  // The session's node, --json, --timeout, --secret and --direct reach each command as CHORDKV_* variables
  // do from the shell: defaults that a flag typed on the line still overrides.
  setDefault('NODE', options.node);
  setDefault('JSON', String(options.json));
  setDefault('TIMEOUT', String(options.timeout));
  if (options.secret !== undefined) setDefault('SECRET', options.secret);
  if (options.direct) setDefault('DIRECT', 'true');

  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  // Off a terminal (a script piped in) there is no prompt to show and no history to keep.
  const rl = readline.createInterface({
    input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty,
    history: tty ? loadHistory() : [], historySize: MAX_HISTORY, removeHistoryDuplicates: true, completer: complete,
  });
  const prompt = () => {
    rl.setPrompt(`chordkv ${process.env.CHORDKV_NODE}> `);
    if (tty) rl.prompt();
  };
  if (tty) {
    rl.on('history', saveHistory);
    rl.on('SIGINT', () => { // Ctrl-C drops the line typed so far, as in a shell
      rl.write(null, { ctrl: true, name: 'u' });
      process.stdout.write('\n');
      prompt();
    });
    process.stderr.write(`chordkv ${version()}: the client commands, one per line; \\help lists them, \\quit leaves\n`);
  }
  prompt();
  for await (const line of rl) {
    if ((await perform(line.trim(), options)) === 'quit') break;
    prompt();
  }
  rl.close();
  // \quit while more may come (a terminal, a pipe still open) must not wait for that input.
  process.stdin.destroy();
  if (tty) process.stdout.write('\n');
  process.exitCode = 0;
}

const setDefault = (name: string, value: string) => { process.env[`CHORDKV_${name}`] = value; };

/** Runs one line; errors are printed, never thrown. */
async function perform(line: string, options: ReplOptions): Promise<'quit' | void> {
  if (line === '' || line.startsWith('#')) return;
  let words: string[];
  try {
    words = splitWords(line.startsWith('\\') ? line.slice(1) : line);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (line.startsWith('\\')) return meta(words, options);
  if (words[0] === 'help' || words[0] === '--help' || words[0] === '-h') {
    if (words.length === 1) return printHelp();
    words = [words[1], '--help'];
  }
  const [name] = words;
  if (name === '--version') return void process.stdout.write(`${version()}\n`);
  if (Object.hasOwn(ONE_SHOT, name)) return fail(`"${name}" only runs from the shell (${ONE_SHOT[name]}): chordkv ${name} …`);
  if (!NAMES.includes(name)) return fail(`unknown command "${name}"; \\help lists the commands`);
  if (readsStdin(words)) return fail('--value-file - reads stdin, which is this prompt; give a file');
  try {
    await lineParser().parseAsync(shieldDashes(words));
  } catch (err) {
    fail((err as Error).message);
  } finally {
    process.exitCode = undefined; // a failed command is this line's news, not the session's exit code
  }
}

/**
 * A fresh parser for every line: a yargs instance that has failed once keeps state from that
 * parse (the next line was read as arguments of the last command), so none is reused.
 */
function lineParser() {
  return buildParser(AT_PROMPT).exitProcess(false).fail((message, err: unknown) => {
    // Without exiting, yargs would go on to run the handler after a failed flag check; a throw
    // stops it, and `perform` prints the one line.
    throw err instanceof Error && err.name !== 'YError' ? err : new Error(message || String(err));
  });
}

async function meta([name, ...args]: string[], options: ReplOptions): Promise<'quit' | void> {
  switch (name) {
    case 'quit':
    case 'q':
      return 'quit';
    case 'help':
      return printHelp();
    case 'json':
      if (args.length !== 1 || !['on', 'off'].includes(args[0])) return fail('\\json takes on or off');
      setDefault('JSON', String(args[0] === 'on'));
      return;
    case 'connect':
      if (args.length !== 1) return fail('\\connect takes HOST:PORT');
      return connect(args[0], options);
    default:
      return fail(`unknown meta-command "\\${name ?? ''}"; \\help lists them`);
  }
}

/** Switches even when the node does not answer: it may be starting, and the user said so. */
async function connect(node: string, options: ReplOptions): Promise<void> {
  const problem = checkAddress('\\connect', node);
  if (problem) return fail(problem);
  setDefault('NODE', node);
  const { kv, close } = createKvClient({ timeoutMs: Math.min(options.timeout, 3000), secret: options.secret });
  try {
    await kv.health(node);
    process.stderr.write(`connected to ${node}\n`);
  } catch (err) {
    process.stderr.write(`warning: ${node} does not answer (${(err as Error).message}); commands go there anyway\n`);
  } finally {
    close();
  }
}

function printHelp(): void {
  const rows = [
    ...AT_PROMPT.map((c: CommandModule) => [String(c.command), String(c.describe)]),
    ...Object.entries(META),
  ];
  const width = Math.max(...rows.map(([usage]) => usage.length));
  process.stdout.write([
    'commands, with the arguments and flags of the command line ("help COMMAND" shows them):',
    ...rows.slice(0, AT_PROMPT.length).map(([usage, text]) => `  ${usage.padEnd(width)}  ${text}`),
    'meta-commands:',
    ...rows.slice(AT_PROMPT.length).map(([usage, text]) => `  ${usage.padEnd(width)}  ${text}`),
  ].join('\n') + '\n');
}

const fail = (message: string) => void process.stderr.write(`error: ${message}\n`);

/** `--value-file -` would read the value from stdin, which is where the commands come from. */
function readsStdin(words: string[]): boolean {
  const end = words.includes('--') ? words.indexOf('--') : words.length;
  return words.slice(0, end).some((word, i) => word === '--value-file=-' || (word === '--value-file' && words[i + 1] === '-'));
}

/** Tab completion of the first word: command names and meta-commands. */
function complete(line: string): [string[], string] {
  if (/\s/.test(line.trimStart())) return [[], line];
  const word = line.trimStart();
  const all = [...NAMES, 'help', ...META_NAMES];
  const hits = all.filter((name) => name.startsWith(word));
  return [hits.length > 0 ? hits : all, word];
}
