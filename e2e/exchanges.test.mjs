// The exchange log in the real UI: a model list and an embeddings request sent
// through llmtap are kept as exchanges — listed under "Other", with their raw bodies
// one click away — and never turned into conversations. Also "Copy as JSON": a
// conversation goes to the clipboard as the ShareGPT record the export writes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, getJSON, tempDir } from './lib/llmtap.mjs';
import { client, plain, API_KEY } from './lib/chat.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const STEP = { timeout: 60000 };

describe('exchange log', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-exchanges-');

  before(async () => {
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    await plain(client(`${serve.proxyURL}/v1`), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'A real chat' }] });
    for (const [method, path, body] of [['GET', '/v1/models', undefined], ['POST', '/v1/embeddings', '{"model":"text-embedding-3-small","input":"hello"}']]) {
      const res = await fetch(`${serve.proxyURL}${path}`, { method, body, headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' } });
      await res.arrayBuffer();
    }
    await waitForCaptures(serve.uiURL, 3);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.uiURL });
    page = await ctx.newPage();
    page.setDefaultTimeout(15000);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    serve?.kill();
    await up?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps model lists and embeddings out of the conversations', STEP, async () => {
    const list = await getJSON(`${serve.uiURL}/api/conversations`);
    assert.equal(list.total, 1, 'only the chat is a conversation');
  });

  it('lists them under Other and opens the raw exchange', STEP, async () => {
    await page.goto(`${serve.uiURL}/#/exchanges`);
    const log = page.getByRole('main', { name: 'Exchanges' });
    await log.getByText('3 exchanges').waitFor();
    await page.getByLabel('Show').selectOption('other');
    await log.getByText('2 exchanges').waitFor();
    await log.getByText('/v1/embeddings').waitFor();
    await log.getByText('/v1/models').click();
    const drawer = page.getByRole('complementary', { name: 'Raw exchange' });
    await drawer.getByText('GET', { exact: false }).first().waitFor();
    await drawer.getByText('/v1/models', { exact: false }).first().waitFor();
    assert.doesNotMatch(await drawer.innerText(), /SECRET123456/, 'the key is redacted in the raw view');
    await page.screenshot({ path: `${SHOTS}exchanges.png` });
  });

  it('copies a conversation as its ShareGPT record', STEP, async () => {
    await page.goto(`${serve.uiURL}/#/c/1`);
    await page.getByRole('button', { name: 'Copy as JSON' }).click();
    await page.getByText('Copied as ShareGPT JSON').waitFor();
    const rec = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    assert.deepEqual(rec.conversations.map((t) => t.from), ['human', 'gpt']);
    assert.equal(rec.conversations[0].value, 'A real chat');
  });
});
