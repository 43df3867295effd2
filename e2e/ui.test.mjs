// End to end through the UI: capture two chats through `llmtap serve`, then open
// the UI in Debian's Chromium (playwright-core, never a downloaded browser), find
// the conversations by their titles (the first user message), open them and check
// the messages show. Screenshots go to e2e/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir } from './lib/llmtap.mjs';
import { client, streamed, plain, WEATHER_TOOL } from './lib/chat.mjs';

const CHROMIUM = process.env.LLMTAP_E2E_CHROMIUM || '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WAIT = 15000;
const STEP = { timeout: 60000 };

const CHAT_TITLE = 'Tell me about ocean tides';
const TOOL_TITLE = 'What is the weather in Reykjavik?';

describe('UI', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-ui-');
  const pageErrors = [];
  const seen = {};

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set LLMTAP_E2E_CHROMIUM)`);
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    const openai = client(`${serve.proxyURL}/v1`);

    const chat = [{ role: 'user', content: CHAT_TITLE }];
    chat.push((await plain(openai, { model: 'gpt-4o-mini', messages: chat })).message);
    chat.push({ role: 'user', content: 'Why are there two a day?' });
    chat.push((await streamed(openai, { model: 'gpt-4o-mini', messages: chat })).message);
    seen.chat = chat;

    const tool = [{ role: 'user', content: TOOL_TITLE }];
    const call = await streamed(openai, { model: 'gpt-4o-mini', messages: tool, tools: [WEATHER_TOOL] });
    tool.push(call.message, { role: 'tool', tool_call_id: call.message.tool_calls[0].id, content: '-3°C, snow' });
    tool.push((await streamed(openai, { model: 'gpt-4o-mini', messages: tool, tools: [WEATHER_TOOL] })).message);
    seen.tool = tool;

    await waitForCaptures(serve.uiURL, 4);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: WAIT,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`); });
  });

  after(async () => {
    if (page && !page.isClosed() && process.env.LLMTAP_E2E_KEEP) {
      await page.screenshot({ path: `${SHOTS}last.png` }).catch(() => {});
    }
    await browser?.close().catch(() => {});
    serve?.kill();
    await up?.close();
    if (!process.env.LLMTAP_E2E_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists both conversations by title', STEP, async () => {
    await page.goto(serve.uiURL, { waitUntil: 'domcontentloaded', timeout: WAIT });
    await expectVisible(page.getByText(CHAT_TITLE).first(), 'the plain chat in the list');
    await expectVisible(page.getByText(TOOL_TITLE).first(), 'the tool chat in the list');
    await page.screenshot({ path: `${SHOTS}list.png` });
  });

  it('opens a conversation and shows its messages', STEP, async () => {
    await page.getByText(CHAT_TITLE).first().click();
    await page.waitForURL(/#\/c\/\d+$/, { timeout: WAIT });
    // The answers appear only in the opened conversation, not in the list.
    for (const m of seen.chat) {
      await expectVisible(page.getByText(m.content, { exact: false }).last(), `${m.role} message ${JSON.stringify(m.content)}`);
    }
    await page.screenshot({ path: `${SHOTS}conversation.png` });
  });

  it('shows a tool call, its result and the answer', STEP, async () => {
    await page.getByText(TOOL_TITLE).first().click();
    await expectVisible(page.getByText('get_weather').first(), 'the tool call name');
    await expectVisible(page.getByText('-3°C, snow').first(), 'the tool result');
    await expectVisible(page.getByText(seen.tool.at(-1).content).first(), 'the final answer');
    await page.screenshot({ path: `${SHOTS}tool-call.png` });
  });

  it('raises no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});

// expectVisible waits (bounded) for locator to be visible and says what was missing.
async function expectVisible(locator, what) {
  try {
    await locator.waitFor({ state: 'visible', timeout: WAIT });
  } catch (err) {
    const text = await locator.page().locator('body').innerText({ timeout: 2000 }).catch(() => '(no body text)');
    throw new Error(`${what} not visible within ${WAIT} ms: ${err.message.split('\n')[0]}\n--- page text ---\n${text.slice(0, 3000)}`);
  }
}
