/**
 * GET /ui in a real browser: Debian's chromium driven by playwright-core (no browser download)
 * on a ring of 4 in-process nodes (k=2). The page draws every member, follows a join and a
 * departure, and a key search names the replica set computed here from SHA-1 of the addresses.
 * Without chromium this fails, saying so: .ci/run installs it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import test from 'ava';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashId, replicaSet } from '../../common/ring.js';
import { TestCluster } from '../helpers/cluster.js';
import { ensureBuilt, startNodeProcess, type ChordkvProcess } from '../helpers/processes.js';

const N = 4;
const K = 2;
const DEADLINE_MS = 20_000;
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

let cluster: TestCluster;
let browser: Browser;
let page: Page;
/** Console errors while the page first loads, and uncaught errors in the page at any time. */
const loadErrors: string[] = [];
const pageErrors: string[] = [];
let loading = true;

test.before(async () => {
  const executablePath = CANDIDATES.find((path) => path && existsSync(path));
  if (!executablePath) throw new Error(`chromium is missing (looked for ${CANDIDATES.filter(Boolean).join(', ')}): install it with apt-get install chromium, as .ci/run does, or set CHROMIUM_PATH`);
  cluster = await TestCluster.start(N, { k: K });
  // --no-sandbox: tests run as root, where chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('console', (message) => { if (loading && message.type() === 'error') loadErrors.push(message.text()); });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

test.after.always(async () => {
  await browser?.close();
  await cluster?.teardown();
});

/** Waits until the ring shows `count` node markers, all of them ready. */
async function showsReadyNodes(count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length === n
    && document.querySelectorAll('[data-node][data-state="ready"]').length === n, count, { timeout: DEADLINE_MS });
}

const markers = () => page.$$eval('[data-node]', (nodes) => nodes.map((n) => n.getAttribute('data-node')).sort());

test.serial('the page loads with no errors and draws every node, with its arc and key counts', async (t) => {
  const response = await page.goto(`http://${cluster.nodes[0].address}/ui`);
  t.is(response?.status(), 200);
  await showsReadyNodes(N);
  t.deepEqual(await markers(), [...cluster.addresses].sort());
  t.is(await page.locator('[data-arc]').count(), N);
  await page.waitForFunction((n) => document.querySelectorAll('#nodes tbody tr').length === n, N, { timeout: DEADLINE_MS });
  loading = false;
  t.deepEqual(loadErrors, []);
  t.deepEqual(pageErrors, []);
});

test.serial('a key search shows its id and its replica set with the value each replica holds', async (t) => {
  const key = 'Hey Jude';
  await cluster.kv.put(cluster.nodes[1].address, key, 'The Beatles');
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  const want = replicaSet(hashId(key), ring, K).map((n) => n.address);
  await page.fill('#search [name=key]', key);
  await page.click('#search button');
  await page.waitForFunction((n) => document.querySelectorAll('#replicas li code').length === n, K, { timeout: DEADLINE_MS });
  t.deepEqual(await page.$$eval('#replicas li', (items) => items.map((li) => li.getAttribute('data-replica'))), want);
  for (const text of await page.locator('#replicas li').allTextContents()) t.true(text.includes('"The Beatles"'), text);
  t.true((await page.textContent('#key-info'))!.includes(hashId(key).toString(16).padStart(40, '0')));
  t.is(await page.locator(`[data-key="${key}"]`).count(), 1);
  // The owner and its successor are marked on the circle.
  t.deepEqual(await page.$$eval('circle.in-chain', (nodes) => nodes.map((n) => n.getAttribute('data-node')).sort()), [...want].sort());
});

test.serial('the forms insert, query and delete through the public API', async (t) => {
  await page.fill('#ops [name=key]', 'form key');
  await page.fill('#ops [name=value]', 'form value');
  await page.click('#ops button[value=PUT]');
  await page.waitForFunction(() => document.querySelector('#op-result')?.textContent?.includes('"version"'), undefined, { timeout: DEADLINE_MS });
  t.is((await cluster.kv.get(cluster.nodes[2].address, 'form key')).value, 'form value');
  await page.click('#ops button[value=GET]');
  await page.waitForFunction(() => document.querySelector('#replicas li code')?.textContent === '"form value"', undefined, { timeout: DEADLINE_MS });
  await page.click('#ops button[value=DELETE]');
  await page.waitForFunction(() => document.querySelector('#op-result')?.textContent?.includes('"deleted"'), undefined, { timeout: DEADLINE_MS });
  await page.click('#ops button[value=GET]');
  await page.waitForFunction(() => document.querySelector('#op-result')?.textContent?.startsWith('KEY_NOT_FOUND'), undefined, { timeout: DEADLINE_MS });
  t.pass();
});

test.serial('the page follows a join and a departure', async (t) => {
  const joined = await cluster.join();
  await showsReadyNodes(N + 1);
  t.true((await markers()).includes(joined.address));
  // Not the node serving the page: it must stay up to answer.
  await cluster.depart(cluster.nodes.find((n) => n !== cluster.nodes[0] && n !== joined)!);
  await showsReadyNodes(N);
  t.deepEqual(await markers(), [...cluster.addresses].sort());
  t.deepEqual(pageErrors, []);
});

test.serial('the page\'s plain SHA-1 (for insecure contexts) agrees with the nodes\' hash', async (t) => {
  const keys = ['', 'Hey Jude', 'héllo ✓', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(200)];
  // The module is already loaded: importing it again returns the same instance.
  const got = await page.evaluate(async ([script, texts]) => {
    const ui = await import(script) as { sha1Plain(bytes: Uint8Array): string };
    return texts.map((text) => ui.sha1Plain(new TextEncoder().encode(text)));
  }, ['/ui/app.js', keys] as const);
  t.deepEqual(got, keys.map((key) => createHash('sha1').update(key, 'utf8').digest('hex')));
});

test.serial('the executable built in dist/ serves the page, its script and style sheet', async (t) => {
  ensureBuilt();
  const started: ChordkvProcess[] = [];
  try {
    const { address } = await startNodeProcess(['bootstrap', '--port', '0'], started);
    for (const [path, type] of [['/ui', 'text/html'], ['/ui/app.js', 'application/javascript'], ['/ui/app.css', 'text/css']]) {
      const response = await fetch(`http://${address}${path}`);
      t.is(response.status, 200, path);
      t.true(response.headers.get('content-type')?.startsWith(type), path);
      t.true((await response.text()).length > 100, path);
    }
    t.is((await fetch(`http://${address}/status`)).headers.get('access-control-allow-origin'), '*');
    t.is((await fetch(`http://${address}/kv`)).headers.get('access-control-allow-origin'), null);
  } finally {
    await Promise.all(started.map((p) => p.kill()));
  }
});
