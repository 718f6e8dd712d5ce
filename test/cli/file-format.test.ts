import { readFileSync } from 'node:fs';
import test from 'ava';
import { isFileType, parseRequests, type FileType, type LineProblem, type Request } from '../../cli/file-format.js';

interface Case {
  title: string;
  type: FileType;
  text: string;
  requests: Request[];
  problems?: Pick<LineProblem, 'line' | 'reason'>[];
}

const cases: Case[] = [
  {
    title: 'insert lines split at the first comma, so values keep their commas',
    type: 'insert',
    text: 'Hey Jude, The Beatles\nBohemian Rhapsody, Queen, A Night at the Opera, 1975',
    requests: [
      { op: 'insert', key: 'Hey Jude', value: 'The Beatles', line: 1 },
      { op: 'insert', key: 'Bohemian Rhapsody', value: 'Queen, A Night at the Opera, 1975', line: 2 },
    ],
  },
  {
    title: 'keys and values are trimmed, inner spaces kept',
    type: 'insert',
    text: "   Don't  Stop Me Now ,  Queen   \t",
    requests: [{ op: 'insert', key: "Don't  Stop Me Now", value: 'Queen', line: 1 }],
  },
  {
    title: 'blank and whitespace-only lines are skipped but still counted for line numbers',
    type: 'insert',
    text: '\n   \n\t\na, 1\n\nb, 2\n',
    requests: [{ op: 'insert', key: 'a', value: '1', line: 4 }, { op: 'insert', key: 'b', value: '2', line: 6 }],
  },
  {
    title: 'an empty value is a value',
    type: 'insert',
    text: 'silence,',
    requests: [{ op: 'insert', key: 'silence', value: '', line: 1 }],
  },
  {
    title: 'insert lines without a comma or without a key are reported with their numbers',
    type: 'insert',
    text: 'a, 1\nno comma here\n, orphan value\n  ,  \nb, 2',
    requests: [{ op: 'insert', key: 'a', value: '1', line: 1 }, { op: 'insert', key: 'b', value: '2', line: 5 }],
    problems: [
      { line: 2, reason: 'no comma between key and value: an insert line is "key, value"' },
      { line: 3, reason: 'empty key' },
      { line: 4, reason: 'empty key' },
    ],
  },
  {
    title: 'CRLF line endings and a byte-order mark do not leak into keys',
    type: 'insert',
    text: '\uFEFFa, 1\r\nb, 2\r\n',
    requests: [{ op: 'insert', key: 'a', value: '1', line: 1 }, { op: 'insert', key: 'b', value: '2', line: 2 }],
  },
  {
    title: 'a query line is its whole trimmed text, commas included',
    type: 'query',
    text: '  Hey Jude  \n\nCafé del Mar, Vol. 2\n#1 100%/?&',
    requests: [
      { op: 'query', key: 'Hey Jude', line: 1 },
      { op: 'query', key: 'Café del Mar, Vol. 2', line: 3 },
      { op: 'query', key: '#1 100%/?&', line: 4 },
    ],
  },
  {
    title: 'a key longer than the node accepts is a malformed line',
    type: 'query',
    text: `${'k'.repeat(1025)}\n${'é'.repeat(512)}`,
    requests: [{ op: 'query', key: 'é'.repeat(512), line: 2 }],
    problems: [{ line: 1, reason: 'the key is longer than 1024 bytes of UTF-8' }],
  },
  {
    title: 'mix lines: insert with a value that has commas, query, verbs in any case',
    type: 'mix',
    text: 'insert, Hey Jude, Beatles, 1968\n query ,  Hey Jude \nQUERY, Jóga\nInsert,k,v',
    requests: [
      { op: 'insert', key: 'Hey Jude', value: 'Beatles, 1968', line: 1 },
      { op: 'query', key: 'Hey Jude', line: 2 },
      { op: 'query', key: 'Jóga', line: 3 },
      { op: 'insert', key: 'k', value: 'v', line: 4 },
    ],
  },
  {
    title: 'mix lines with an unknown verb, no key or no value are reported and the parse goes on',
    type: 'mix',
    text: 'delete, a\nquery\ninsert, k\nquery, \nHey Jude\ninsert, , v\nquery, ok',
    requests: [{ op: 'query', key: 'ok', line: 7 }],
    problems: [
      { line: 1, reason: 'unknown request "delete": a mix line starts with insert or query' },
      { line: 2, reason: '"query" needs a key after a comma: a mix line is "insert, key, value" or "query, key"' },
      { line: 3, reason: 'no comma between key and value: a mix insert line is "insert, key, value"' },
      { line: 4, reason: 'empty key' },
      { line: 5, reason: 'a mix line is "insert, key, value" or "query, key"' },
      { line: 6, reason: 'empty key' },
    ],
  },
  { title: 'an empty file has no requests and no problems', type: 'mix', text: '', requests: [] },
];

for (const c of cases) {
  test(`${c.type}: ${c.title}`, (t) => {
    const parsed = parseRequests(c.text, c.type);
    t.deepEqual(parsed.requests, c.requests);
    t.deepEqual(parsed.problems.map(({ line, reason }) => ({ line, reason })), c.problems ?? []);
  });
}

test('a problem keeps the raw text of its line', (t) => {
  const { problems } = parseRequests('ok, 1\n  just a key  ', 'insert');
  t.deepEqual(problems, [{ line: 2, text: '  just a key  ', reason: 'no comma between key and value: an insert line is "key, value"' }]);
});

test('only insert, query and mix are file types', (t) => {
  t.true(isFileType('insert') && isFileType('query') && isFileType('mix'));
  t.false(isFileType('delete'));
  t.false(isFileType(undefined));
});

test('the small fixtures parse to their known requests and problems', (t) => {
  const read = (name: string) => readFileSync(new URL(`../../fixtures/small/${name}`, import.meta.url), 'utf8');
  const insert = parseRequests(read('insert.txt'), 'insert');
  t.is(insert.requests.length, 9);
  t.deepEqual(insert.problems.map((p) => p.line), [6, 9]);
  t.deepEqual(insert.requests.find((r) => r.line === 3), { op: 'insert', key: "Don't Stop Me Now", value: 'Queen', line: 3 });
  const query = parseRequests(read('query.txt'), 'query');
  t.is(query.requests.length, 8);
  t.deepEqual(query.problems, []);
  const mix = parseRequests(read('requests.txt'), 'mix');
  t.is(mix.requests.length, 9);
  t.deepEqual(mix.problems.map((p) => p.line), [7, 8, 9]);
});

test('the generated fixtures have 500 well-formed lines each', (t) => {
  for (const [name, type] of [['insert.txt', 'insert'], ['query.txt', 'query'], ['requests.txt', 'mix']] as const) {
    const parsed = parseRequests(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'), type);
    t.is(parsed.requests.length, 500, name);
    t.deepEqual(parsed.problems, [], name);
  }
});
