// End to end through the UI: capture two chats through `llmtap serve`, then open
// the UI in Debian's Chromium (playwright-core, never a downloaded browser), find
// the conversations by their titles (the first user message), open them and check
// the messages show. Screenshots go to e2e/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client, streamed, plain, WEATHER_TOOL } from './lib/chat.mjs';

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
    browser = await launchChromium();
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
    removeTempDirs(dataDir);
  });

  // The list is the navigation landmark "Conversations", the open conversation the
  // region "Conversation" with the title as heading and one article per message.
  const list = () => page.getByRole('navigation', { name: 'Conversations' });
  const detail = () => page.getByRole('region', { name: 'Conversation' });

  it('lists both conversations by title', STEP, async () => {
    await page.goto(serve.uiURL, { waitUntil: 'domcontentloaded', timeout: WAIT });
    await expectVisible(list().getByText(CHAT_TITLE), 'the plain chat in the list');
    await expectVisible(list().getByText(TOOL_TITLE), 'the tool chat in the list');
    await page.screenshot({ path: `${SHOTS}list.png` });
  });

  it('opens a conversation and shows its messages in order', STEP, async () => {
    await list().getByText(CHAT_TITLE).click();
    await page.waitForURL(/#\/c\/\d+$/, { timeout: WAIT });
    await expectVisible(detail().getByRole('heading', { name: CHAT_TITLE }), 'the opened conversation\'s title');
    const texts = await messageTexts(detail(), seen.chat.length);
    seen.chat.forEach((m, i) => {
      assert.ok(texts[i].includes(m.content), `message ${i + 1} (${m.role}) shows ${JSON.stringify(texts[i])}, want ${JSON.stringify(m.content)}`);
    });
    await expectVisible(detail().getByText(seen.chat[3].content), 'the last answer');
    await page.screenshot({ path: `${SHOTS}conversation.png` });
  });

  it('shows a tool call, its result and the answer', STEP, async () => {
    await list().getByText(TOOL_TITLE).click();
    await expectVisible(detail().getByRole('heading', { name: TOOL_TITLE }), 'the tool chat\'s title');
    const texts = await messageTexts(detail(), 4);
    assert.match(texts[1], /get_weather/, 'the assistant message shows the call');
    assert.match(texts[1], /Reykjavik/, 'the assistant message shows the arguments');
    assert.match(texts[2], /-3°C, snow/, 'the tool message shows the result');
    assert.ok(texts[3].includes(seen.tool.at(-1).content), `the answer shows ${JSON.stringify(texts[3])}`);
    await expectVisible(detail().getByText('get_weather'), 'the tool call name');
    await page.screenshot({ path: `${SHOTS}tool-call.png` });
  });

  it('raises no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});

// messageTexts waits (bounded) until region shows want message articles and
// returns their visible text, in order.
async function messageTexts(region, want) {
  const articles = region.getByRole('article');
  const deadline = Date.now() + WAIT;
  let n = 0;
  while (Date.now() < deadline) {
    n = await articles.count();
    if (n === want) return articles.allInnerTexts();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const text = await region.innerText({ timeout: 2000 }).catch(() => '(no text)');
  throw new Error(`the conversation shows ${n} message articles within ${WAIT} ms, want ${want}\n--- text ---\n${text.slice(0, 3000)}`);
}

// expectVisible waits (bounded) until one of the elements locator matches is
// visible (a match may also sit in a collapsed block), and says what was missing.
async function expectVisible(locator, what) {
  try {
    await locator.filter({ visible: true }).first().waitFor({ state: 'visible', timeout: WAIT });
  } catch (err) {
    const text = await locator.page().locator('body').innerText({ timeout: 2000 }).catch(() => '(no body text)');
    throw new Error(`${what} not visible within ${WAIT} ms: ${err.message.split('\n')[0]}\n--- page text ---\n${text.slice(0, 3000)}`);
  }
}
