// End to end, search in scripts written without spaces (issue 14, "Search in every
// script"): chats in Chinese, Japanese, Korean and English captured through `llmtap
// serve`, then in Debian's Chromium the search box finds a two-character Chinese word
// inside a sentence, a Japanese word, a Korean word with its particle attached and a
// mixed query, each with the word highlighted in the snippet. Screenshot:
// e2e/screenshots/search-cjk.png.
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
const STEP = { timeout: 60000 };

const CHATS = {
  chengdu: '我想去成都旅行，有什么推荐的美食吗？',
  japanese: '日本語の文章を書いています。',
  korean: '한국어를 배우고 싶어요',
  beijing: 'Deploy the app to 北京 region',
  english: 'Tell me about ocean tides',
};

describe('search in every script', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-cjk-');
  const pageErrors = [];

  before(async () => {
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    const openai = client(`${serve.proxyURL}/v1`);
    for (const content of Object.values(CHATS)) {
      await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    }
    await waitForCaptures(serve.uiURL, Object.keys(CHATS).length);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`); });
    await page.goto(serve.uiURL, { waitUntil: 'domcontentloaded', timeout: WAIT });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir);
  });

  const list = () => page.getByRole('navigation', { name: 'Conversations' });
  const search = () => page.getByRole('searchbox', { name: 'Search conversations' });
  const rowTitles = () => list().locator('[data-id] .title').allInnerTexts();

  // Each query, the conversations it must show (by their first user line), and the
  // text the snippet must mark.
  const cases = [
    { name: 'a two-character Chinese word inside a sentence', q: '成都', rows: [CHATS.chengdu], mark: '成都' },
    { name: 'another word of the same sentence', q: '美食', rows: [CHATS.chengdu], mark: '美食' },
    { name: 'a Japanese word', q: '日本語', rows: [CHATS.japanese], mark: '日本語' },
    { name: 'a Korean word with its particle attached', q: '한국어', rows: [CHATS.korean], mark: '한국어' },
    { name: 'Chinese and English together', q: '北京 deploy', rows: [CHATS.beijing], mark: '北京' },
    { name: 'English as before', q: 'tides', rows: [CHATS.english], mark: 'tides' },
  ];
  for (const c of cases) {
    it(`finds ${c.name} (${c.q})`, STEP, async () => {
      await search().fill(c.q);
      // Two queries can show the same rows: the marks tell this query's page apart.
      const marks = () => list().locator('mark').allInnerTexts();
      await waitFor(async () => JSON.stringify(await rowTitles()) === JSON.stringify(c.rows)
        && (await marks()).some((m) => m.toLowerCase() === c.mark),
      async () => `rows ${JSON.stringify(await rowTitles())} marking ${JSON.stringify(await marks())}, want ${JSON.stringify(c.rows)} marking "${c.mark}"`);
      const api = await getJSON(`${serve.uiURL}/api/conversations?q=${encodeURIComponent(c.q)}`);
      assert.equal(api.total, c.rows.length, `GET /api/conversations?q=${c.q}: total`);
      if (c.q === '成都') await page.screenshot({ path: `${SHOTS}search-cjk.png` });
    });
  }

  it('shows nothing for a word no chat holds, and no page errors', STEP, async () => {
    await search().fill('上海');
    await waitFor(async () => (await rowTitles()).length === 0, async () => `rows ${JSON.stringify(await rowTitles())}, want none`);
    assert.deepEqual(pageErrors, []);
  });
});

// waitFor polls ok() until it is true, and fails with why() after WAIT ms.
async function waitFor(ok, why) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${WAIT} ms: ${await why()}`);
}
