// The conversation list with 100,000 conversations, in Debian's Chromium against the
// real `llmtap serve`: the data folder is filled by `llmtap generate` (about five
// minutes on a 2-core machine; LLMTAP_E2E_SCROLL_DATA reuses a filled folder, and
// LLMTAP_E2E_SCROLL_CONVERSATIONS changes the size). The test checks what makes a
// long list usable: the header counts them all, the list stays virtual (a few dozen
// rows in the DOM wherever it is), and after a wheel scroll or a jump to the middle
// or the end the rows on screen are the right conversations (the API's row at that
// offset), never placeholders left behind, also with the scroll height capped as it is
// past ~440,000 rows. Frame times while wheel-scrolling are measured and reported, not
// asserted: machines here are shared and noisy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { generateData, startServe, tempDir, removeTempDirs, getJSON } from './lib/llmtap.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const N = Number(process.env.LLMTAP_E2E_SCROLL_CONVERSATIONS || 100000);
const ROW = 76; // px, ConversationList.svelte's rowHeight
const WAIT = 20000;

/** quantile of sorted numbers. */
const quantile = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];

describe(`conversation list with ${N.toLocaleString('en-US')} conversations`, { timeout: 60 * 60 * 1000 }, () => {
  let serve;
  let browser;
  let page;
  const pageErrors = [];

  // A given LLMTAP_E2E_SCROLL_DATA is kept for the next run; a folder of our own is not.
  const ownData = !process.env.LLMTAP_E2E_SCROLL_DATA;
  const dataDir = process.env.LLMTAP_E2E_SCROLL_DATA || tempDir('llmtap-e2e-scroll-');

  before(async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    await generateData(dataDir, N);
    // Nothing is proxied here; the target is never contacted.
    serve = await startServe({ target: 'http://127.0.0.1:9', dataDir });
    fs.mkdirSync(SHOTS, { recursive: true });
    // Without smooth scrolling a wheel step moves by its whole delta at once.
    browser = await launchChromium({ args: ['--disable-smooth-scrolling'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // A progress poll that crosses the end (or start) of its run gets the documented 404,
      // which Chromium logs; the preview's own request has the answer.
      if (msg.type() !== 'error' || /\/api\/export\/progress\//.test(msg.location().url ?? '')) return;
      pageErrors.push(`console: ${msg.text()}`);
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await serve?.stop().catch(() => serve.kill());
    if (ownData) removeTempDirs(dataDir);
  });

  /** idAt asks the API which conversation is at offset i of the default list. */
  async function idAt(i) {
    const page = await getJSON(`${serve.uiURL}/api/conversations?offset=${i}&limit=1`);
    assert.equal(page.items.length, 1, `no conversation at offset ${i}`);
    return page.items[0].id;
  }

  /** shows waits until the row for conversation id is rendered inside the list's viewport. */
  async function shows(id, what) {
    await page.waitForFunction(([cid, rowHeight]) => {
      const scroller = document.querySelector('nav[aria-label="Conversations"] .scroll');
      const row = scroller?.querySelector(`[data-id="${cid}"]`);
      if (!row) return false;
      const a = row.getBoundingClientRect();
      const b = scroller.getBoundingClientRect();
      return a.top >= b.top - 1 && a.bottom <= b.bottom + rowHeight;
    }, [id, ROW], { timeout: WAIT }).catch(async (err) => {
      await page.screenshot({ path: path.join(SHOTS, 'scroll-failed.png') });
      throw new Error(`${what}: conversation ${id} not on screen: ${err.message}`);
    });
  }

  /**
   * settles waits until no row on screen is a placeholder. Rows on screen can come from two
   * pages, fetched side by side: the first to arrive shows its rows while the other's are
   * still placeholders, so "none left behind" is something to wait for, not to read once.
   */
  async function settles(what) {
    await page.waitForFunction(() => {
      const scroller = document.querySelector('nav[aria-label="Conversations"] .scroll');
      const b = scroller.getBoundingClientRect();
      return ![...scroller.querySelectorAll('li')].some((li) => {
        const r = li.getBoundingClientRect();
        return r.bottom > b.top && r.top < b.bottom && li.querySelector('.placeholder');
      });
    }, null, { timeout: WAIT }).catch(async (err) => {
      await page.screenshot({ path: path.join(SHOTS, 'scroll-failed.png') });
      throw new Error(`${what}: placeholders still on screen: ${err.message}`);
    });
  }

  /** state reads how many rows the DOM holds and where the list is scrolled. */
  function state() {
    return page.evaluate(() => {
      const scroller = document.querySelector('nav[aria-label="Conversations"] .scroll');
      return {
        rows: scroller.querySelectorAll('li').length,
        scrollTop: scroller.scrollTop,
        scrollHeight: scroller.scrollHeight,
      };
    });
  }

  async function jump(top) {
    await page.evaluate((t) => { document.querySelector('nav[aria-label="Conversations"] .scroll').scrollTop = t; }, top);
  }

  it('counts every conversation and sizes the list for all of them', async () => {
    await page.goto(`${serve.uiURL}/`);
    await page.waitForSelector('nav[aria-label="Conversations"] [data-id]');
    const status = await getJSON(`${serve.uiURL}/api/status`);
    assert.equal(status.conversations, N);
    await shows(await idAt(0), 'the newest conversation at the top');
    const s = await state();
    assert.equal(s.scrollHeight, N * ROW, 'the scroll area is as tall as every row');
    assert.ok(s.rows < 60, `the list is virtual: ${s.rows} rows in the DOM`);
    await page.screenshot({ path: path.join(SHOTS, 'scroll-top.png') });
  });

  it('wheel-scrolls through thousands of rows and lands on the right ones', async (t) => {
    await page.mouse.move(200, 400); // over the list
    const steps = 300;
    const delta = 600; // px per wheel step: ~8 rows, 2,400 rows in all
    await page.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (now) => { window.__frames.push(now - last); last = now; if (window.__frames.length < 100000) window.__raf = requestAnimationFrame(tick); };
      window.__raf = requestAnimationFrame(tick);
    });
    const t0 = Date.now();
    for (let i = 0; i < steps; i++) {
      await page.mouse.wheel(0, delta);
      if (i % 10 === 9) await page.waitForTimeout(16); // let frames through, as a real wheel does
    }
    const frames = await page.evaluate(() => { cancelAnimationFrame(window.__raf); return window.__frames.slice(1); });
    const elapsed = Date.now() - t0;
    // A wheel event returns once Chromium has it, before it scrolls: wait until the
    // list stops moving, or the row computed below is one the last steps scrolled past.
    await page.waitForFunction(() => {
      const top = document.querySelector('nav[aria-label="Conversations"] .scroll').scrollTop;
      const still = top === window.__lastTop;
      window.__lastTop = top;
      return still;
    }, null, { polling: 250, timeout: WAIT });
    const s = await state();
    const row = Math.ceil(s.scrollTop / ROW); // the first row wholly on screen
    assert.ok(row > 1000, `scrolled to row ${row}`);
    assert.ok(s.rows < 60, `still virtual after scrolling: ${s.rows} rows in the DOM`);
    await shows(await idAt(row), `row ${row} after wheel-scrolling`);
    await settles('after wheel-scrolling');
    const sorted = [...frames].sort((a, b) => a - b);
    t.diagnostic(`wheel scroll of ${steps} steps (${row} rows) in ${elapsed} ms: ${frames.length} frames, `
      + `frame time p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, `
      + `max ${sorted.at(-1).toFixed(1)} ms, ${frames.filter((f) => f > 50).length} frames over 50 ms`);
    await page.screenshot({ path: path.join(SHOTS, 'scroll-wheel.png') });
  });

  it('jumps to the middle and to the end and shows the rows there', async (t) => {
    for (const [what, index] of [['middle', Math.floor(N / 2)], ['end', N - 1], ['near the top', 3]]) {
      const started = Date.now();
      await jump(index * ROW);
      await shows(await idAt(index), `jump to the ${what} (row ${index})`);
      await settles(`jump to the ${what}`);
      const s = await state();
      assert.ok(s.rows < 60, `${what}: ${s.rows} rows in the DOM`);
      t.diagnostic(`jump to the ${what} (row ${index}): rows on screen after ${Date.now() - started} ms`);
    }
    await jump((N - 1) * ROW);
    await shows(await idAt(N - 1), 'the oldest conversation at the end');
    await page.screenshot({ path: path.join(SHOTS, 'scroll-end.png') });
    assert.deepEqual(pageErrors, []);
  });

  // The export preview checks every record: about a minute at 100,000 conversations. The
  // dialog shows how far it got, and closing it stops the walk on the server.
  it('shows the export preview\'s progress and stops it when the dialog closes', async (t) => {
    const runs = [];
    const onRequest = (req) => {
      const m = /\/api\/export\/preview\?.*progress=([\w-]+)/.exec(req.url());
      if (m) runs.push(m[1]);
    };
    page.on('request', onRequest);
    try {
      await page.getByRole('button', { name: 'Export…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Export a dataset' });
      await dialog.getByLabel('Status').selectOption(''); // any status: all 100,000
      const status = dialog.locator('.checking');
      await page.waitForFunction(() => /checking [\d,]+ of 100,000/.test(document.querySelector('dialog .checking')?.textContent ?? ''),
        null, { timeout: WAIT });
      t.diagnostic(`export preview: ${await status.textContent()}`);
      await page.screenshot({ path: path.join(SHOTS, 'export-progress.png') });
      const run = runs.at(-1);
      assert.ok(run, 'the preview named its run');
      const during = await getJSON(`${serve.uiURL}/api/export/progress/${run}`);
      assert.equal(during.total, N);
      assert.ok(during.done < N, `the preview is still running: ${JSON.stringify(during)}`);
      await dialog.getByRole('button', { name: 'Close' }).click();
      // The aborted request cancels the walk: the run ends long before it would have.
      const deadline = Date.now() + 30000;
      for (;;) {
        const res = await fetch(`${serve.uiURL}/api/export/progress/${run}`);
        if (res.status === 404) break;
        assert.ok(Date.now() < deadline, `the preview kept running after the dialog closed: ${await res.text()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      page.off('request', onRequest);
    }
  });

  // Past ~440,000 rows the list would be taller than browsers lay out, so its scroll
  // height is capped and mapped onto the rows (lib/virtual.ts). A lower cap, set the
  // way the UI reads it, puts these 100,000 rows through that path.
  it('keeps every row reachable when the scroll height is capped', async () => {
    const cap = 1_000_000;
    await page.evaluate((c) => localStorage.setItem('llmtap.maxScrollPx', String(c)), cap);
    // Every other page of rows is held back, as on a slow machine: a screen that spans two
    // pages shows the first one's rows while the other's are still placeholders.
    const slowPages = async (route) => {
      const offset = Number(new URL(route.request().url()).searchParams.get('offset'));
      if (Math.floor(offset / 100) % 2 === 0) await new Promise((r) => setTimeout(r, 500));
      await route.continue();
    };
    await page.route(/\/api\/conversations\?/, slowPages);
    await page.reload();
    await page.waitForSelector('nav[aria-label="Conversations"] [data-id]');
    try {
      const s = await state();
      assert.equal(s.scrollHeight, cap, 'the scroll area is capped');
      const viewport = await page.evaluate(() => document.querySelector('nav[aria-label="Conversations"] .scroll').clientHeight);
      const ratio = (N * ROW - viewport) / (cap - viewport);
      for (const [what, top] of [['middle', (cap - viewport) / 2], ['end', cap - viewport], ['top', 0]]) {
        await jump(top);
        const first = Math.min(N - 1, Math.ceil((top * ratio) / ROW));
        await shows(await idAt(first), `capped, ${what} (row ${first})`);
        await settles(`capped, ${what}`);
      }
      await jump(cap - viewport);
      await shows(await idAt(N - 1), 'capped: the oldest conversation at the end');
      await page.screenshot({ path: path.join(SHOTS, 'scroll-capped-end.png') });
    } finally {
      await page.unroute(/\/api\/conversations\?/, slowPages);
      await page.evaluate(() => localStorage.removeItem('llmtap.maxScrollPx'));
    }
    assert.deepEqual(pageErrors, []);
  });
});
