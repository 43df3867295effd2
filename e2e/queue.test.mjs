// The review queue driven by the keyboard alone (issue 14): "Review next" (q) over the
// unreviewed conversations, then confirm (c), reject (x), skip (s) and score (1–5)
// through 20 of them; the queue moves on by itself, counts "N of 22" although the
// unreviewed list shrinks, and resumes where it was left after a reload. The statuses
// and scores are read back from the API. Screenshots: e2e/screenshots/queue-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir, removeTempDirs, getJSON } from './lib/llmtap.mjs';
import { client, plain } from './lib/chat.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WAIT = 15000;
const N = 22;
const STEPS = 20;
// What each step presses, in turn: the keys before the one that moves on are scores.
const PLAN = [['c'], ['x'], ['s'], ['4', 'c'], ['2', 'x'], ['c']];

describe('review queue by keyboard', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-queue-');
  const pageErrors = [];

  before(async () => {
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    const openai = client(`${serve.proxyURL}/v1`);
    for (let i = 0; i < N; i++) {
      await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Queue chat number ${String(i).padStart(2, '0')}` }] });
    }
    await waitForCaptures(serve.uiURL, N);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`console: ${msg.text()}`));
    await page.goto(`${serve.uiURL}/#/?status=unreviewed`, { waitUntil: 'domcontentloaded' });
    await page.getByText(`${N} conversations`, { exact: true }).first().waitFor();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir);
  });

  const position = () => page.locator('[data-queue-position]');
  const heading = () => page.getByRole('region', { name: 'Conversation' }).getByRole('heading', { level: 1 });
  async function waitPosition(want) {
    try {
      await page.waitForFunction((w) => document.querySelector('[data-queue-position]')?.textContent === w, want, { timeout: WAIT });
    } catch {
      throw new Error(`queue position is "${await position().textContent().catch(() => '(none)')}", want "${want}"`);
    }
  }

  it(`walks ${STEPS} conversations with the keyboard alone, resuming after a reload`, { timeout: 180000 }, async () => {
    const done = {}; // title → what was done
    await page.keyboard.press('q');
    await waitPosition(`1 of ${N}`);
    await page.screenshot({ path: `${SHOTS}queue-start.png` });
    for (let i = 0; i < STEPS; i++) {
      if (i === 10) {
        // Resume: a reload forgets the page, not the queue.
        await page.reload({ waitUntil: 'domcontentloaded' });
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.keyboard.press('q');
        await waitPosition(`${i + 1} of ${N}`);
      }
      const title = (await heading().textContent()).trim();
      assert.ok(!(title in done), `step ${i}: "${title}" comes round again`);
      const keys = PLAN[i % PLAN.length];
      for (const k of keys) await page.keyboard.press(k);
      done[title] = keys.join('');
      await waitPosition(`${i + 2} of ${N}`);
      await page.waitForFunction((t) => document.querySelector('section[aria-label="Conversation"] h1')?.textContent?.trim() !== t, title);
    }
    await page.screenshot({ path: `${SHOTS}queue-20.png` });

    const all = await getJSON(`${serve.uiURL}/api/conversations?limit=100`);
    const byTitle = Object.fromEntries(all.items.map((c) => [c.title, c]));
    const want = { c: ['confirmed', 0], x: ['rejected', 0], s: ['unreviewed', 0], '4c': ['confirmed', 4], '2x': ['rejected', 2] };
    for (const [title, keys] of Object.entries(done)) {
      const c = byTitle[title];
      assert.deepEqual([c?.status, c?.score ?? 0], want[keys], `"${title}" after ${keys}`);
    }
    assert.equal(Object.keys(done).length, STEPS);
    const left = await getJSON(`${serve.uiURL}/api/conversations?status=unreviewed&limit=100`);
    const skipped = Object.values(done).filter((k) => k === 's').length;
    assert.equal(left.total, N - STEPS + skipped, 'unreviewed: the two never reached and the skipped ones');
  });

  it('stops with Esc', async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('region', { name: 'Review queue' }).waitFor({ state: 'detached' });
  });

  it('raises no page errors', () => assert.deepEqual(pageErrors, []));
});
