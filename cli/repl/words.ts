/**
 * A typed line split into words the way a POSIX shell would for the simple cases people type:
 * 'single' and "double" quotes and backslashes, so `insert "Hey Jude" 'The Beatles'` reaches
 * yargs exactly as it would from the shell. No variables, globs or pipes: a `*` stays a `*`.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === '\\' && i + 1 < line.length && (quote === undefined || '"\\$`'.includes(line[i + 1]))) {
      word = (word ?? '') + line[++i];
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= ''; // "" is an empty word, not none
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (word !== undefined) words.push(word);
  return words;
}
