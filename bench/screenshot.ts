/**
 * docs/dashboard.png: a 10-node ring (k=3, real processes from the compiled executable) with a
 * few hundred songs from fixtures/insert.txt, its dashboard (GET /ui) opened in Debian's
 * chromium through playwright-core, one key searched. `npm run screenshot`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createKvClient } from '../common/client.js';
import { runMain, track } from './lib/cleanup.js';
import { fixture, REPO, startRing } from './lib/ring.js';

const NODES = 10;
const KEYS = 300;
const SEARCHED = 'Hey Jude';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const pairs = readFileSync(fixture('insert.txt'), 'utf8').split('\n').filter(Boolean).slice(0, KEYS).map((line) => {
  const comma = line.indexOf(',');
  return { key: line.slice(0, comma).trim(), value: line.slice(comma + 1).trim() };
});

async function main(): Promise<void> {
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  // Stopped by runMain at the end, on an error and on Ctrl-C alike.
  const ring = await startRing({ k: 3, consistency: 'linearizable' }, NODES);
  const { kv, close } = createKvClient({ timeoutMs: 20_000 });
  track(async () => close());
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  track(() => browser.close());
  const [via] = ring.addresses;
  await kv.batch(via, [...pairs, { key: SEARCHED, value: 'The Beatles' }].map((p) => ({ op: 'put' as const, ...p })));
  const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
  await page.goto(`http://${via}/ui`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-node][data-state="ready"]').length === n, NODES, { timeout: 20_000 });
  await page.fill('#search [name=key]', SEARCHED);
  await page.click('#search button');
  await page.waitForFunction(() => document.querySelectorAll('#replicas li code').length === 3, undefined, { timeout: 20_000 });
  const out = join(REPO, 'docs', 'dashboard.png');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
}

await runMain(main);
