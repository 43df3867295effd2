// End to end through the review window (issue "The review window"): capture chats through
// `llmtap serve`, then in Debian's Chromium search, filter, open, edit a message, switch a
// branch, tag, confirm, bulk-confirm, export, and check that the edit is in the exported
// file. Two chats go through the model gateway with two forward keys (issue 13), and the
// list's "Forward key" menu narrows to each. Each step says which endpoint it needs when the server lacks it. Screenshots of
// the main views go to e2e/screenshots/review-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir, removeTempDirs, getJSON, runExport } from './lib/llmtap.mjs';
import OpenAI from 'openai';
import { client, streamed, plain, WEATHER_TOOL } from './lib/chat.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WAIT = 15000;
const STEP = { timeout: 60000 };

const CHAT_TITLE = 'Tell me about ocean tides';
const TOOL_TITLE = 'What is the weather in Reykjavik?';
const REGEN_TITLE = 'Write a haiku about autumn';
const BULK = ['Bulk chat about apples', 'Bulk chat about pears', 'Bulk chat about plums'];
const EDITED = 'Tides come from the Moon pulling the oceans (edited in review).';
const TAG = 'good-e2e';
// Chats through the gateway, one per forward key: its id is the key's name.
const KEYED = { 'team-a': ['lt-review-TEAMA-0123456789', 'Keyed chat about comets'], 'team-b': ['lt-review-TEAMB-0123456789', 'Keyed chat about meteors'] };
const KEYED_MODEL = 'gpt-4o-keyed';

describe('review window', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-review-');
  const pageErrors = [];
  const ids = {};
  const seen = {};

  before(async () => {
    up = await startUpstream();
    // The gateway serves only KEYED_MODEL; every other model goes on to --target as before.
    const providers = path.join(dataDir, 'providers.yaml');
    fs.writeFileSync(providers, [
      'providers:',
      `  - { name: keyed, kind: openai, base_url: "${up.url}/v1", keys: [sk-review-pool-0123456789], models: [${KEYED_MODEL}] }`,
      'forward_keys:',
      ...Object.entries(KEYED).map(([name, [key]]) => `  - { key: ${key}, name: ${name} }`),
      '',
    ].join('\n'));
    serve = await startServe({ target: up.url, dataDir, args: ['--providers', providers] });
    const openai = client(`${serve.proxyURL}/v1`);
    const M = 'gpt-4o-mini';

    const chat = [{ role: 'user', content: CHAT_TITLE }];
    chat.push((await plain(openai, { model: M, messages: chat })).message);
    chat.push({ role: 'user', content: 'Why are there two a day?' });
    chat.push((await streamed(openai, { model: M, messages: chat })).message);
    seen.chat = chat;

    const tool = [{ role: 'user', content: TOOL_TITLE }];
    const call = await streamed(openai, { model: M, messages: tool, tools: [WEATHER_TOOL] });
    tool.push(call.message, { role: 'tool', tool_call_id: call.message.tool_calls[0].id, content: '-3°C, snow' });
    tool.push((await streamed(openai, { model: M, messages: tool, tools: [WEATHER_TOOL] })).message);

    // A regeneration: the same history sent twice makes two sibling answers.
    const regen = [{ role: 'user', content: REGEN_TITLE }];
    seen.first = (await plain(openai, { model: M, messages: regen })).message.content;
    seen.second = (await plain(openai, { model: M, messages: regen })).message.content;

    for (const title of BULK) await plain(openai, { model: M, messages: [{ role: 'user', content: title }] });
    for (const [key, title] of Object.values(KEYED)) {
      const keyed = new OpenAI({ apiKey: key, baseURL: `${serve.proxyURL}/v1`, maxRetries: 0, timeout: 15000 });
      await plain(keyed, { model: KEYED_MODEL, messages: [{ role: 'user', content: title }] });
    }

    await waitForCaptures(serve.uiURL, 10);
    const list = await getJSON(`${serve.uiURL}/api/conversations?limit=50`);
    for (const c of list.items) ids[c.title] = c.id;
    const keyedTitles = Object.values(KEYED).map(([, title]) => title);
    for (const t of [CHAT_TITLE, TOOL_TITLE, REGEN_TITLE, ...BULK, ...keyedTitles]) assert.ok(ids[t], `conversation "${t}" captured; have ${Object.keys(ids)}`);

    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // A missing endpoint logs "Failed to load resource: 404"; the steps that need it fail on their own.
      if (msg.type() === 'error' && !/status of 40[45]/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
    });
    await page.goto(serve.uiURL, { waitUntil: 'domcontentloaded', timeout: WAIT });
  });

  after(async () => {
    if (page && !page.isClosed() && process.env.LLMTAP_E2E_KEEP) await page.screenshot({ path: `${SHOTS}review-last.png` }).catch(() => {});
    await browser?.close().catch(() => {});
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir);
  });

  const list = () => page.getByRole('navigation', { name: 'Conversations' });
  const detail = () => page.getByRole('region', { name: 'Conversation' });
  const search = () => page.getByRole('searchbox', { name: 'Search conversations' });
  const api = (p) => getJSON(`${serve.uiURL}/api${p}`);
  const openConversation = async (title) => {
    await list().getByText(title, { exact: true }).click();
    await expectVisible(detail().getByRole('heading', { name: title }), `the heading of "${title}"`);
  };

  it('searches with highlighted snippets, kept in the URL', STEP, async () => {
    await expectVisible(list().getByText(CHAT_TITLE), 'the chat in the list');
    await page.screenshot({ path: `${SHOTS}review-list.png` });
    await search().fill('tides');
    await page.waitForURL(/q=tides/, { timeout: WAIT });
    await waitFor(async () => (await rowTitles()).join('|') === CHAT_TITLE, async () => `rows ${JSON.stringify(await rowTitles())}, want only "${CHAT_TITLE}" (GET /api/conversations?q=)`);
    await expectVisible(list().locator('mark', { hasText: /tides/i }), 'a <mark> in the search snippet');
    // The hash survives a reload.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await expectVisible(list().getByText(CHAT_TITLE), 'the search result after a reload');
    assert.equal(await search().inputValue(), 'tides');
    await page.screenshot({ path: `${SHOTS}review-search.png` });
    await search().fill('');
    await waitFor(async () => (await rowTitles()).length >= 6, async () => `rows after clearing: ${JSON.stringify(await rowTitles())}`);
  });

  it('filters by has-tool-calls', STEP, async () => {
    await list().getByRole('button', { name: 'Filters', exact: true }).click();
    await list().locator('label', { hasText: 'Tool calls' }).locator('select').selectOption('1');
    await page.waitForURL(/hasTools=1/, { timeout: WAIT });
    await waitFor(async () => (await rowTitles()).join('|') === TOOL_TITLE, async () => `rows ${JSON.stringify(await rowTitles())}, want only "${TOOL_TITLE}"`);
    await list().getByRole('button', { name: 'Clear filters' }).click();
    await list().getByRole('button', { name: 'Filters', exact: true }).click();
    await waitFor(async () => (await rowTitles()).length >= 6, async () => `rows after clearing: ${JSON.stringify(await rowTitles())}`);
  });

  it('filters by forward key (GET /api/facets forwardKeys, ?forward_key=)', STEP, async () => {
    const facets = await api('/facets');
    assert.deepEqual(facets.forwardKeys, Object.keys(KEYED), 'the ids the captures carry');
    await list().getByRole('button', { name: 'Filters', exact: true }).click();
    const menu = list().getByRole('combobox', { name: 'Forward key' });
    await expectVisible(menu, 'the Forward key menu');
    assert.deepEqual(await menu.locator('option').allInnerTexts(), ['Any', ...Object.keys(KEYED)]);
    for (const [name, [, title]] of Object.entries(KEYED)) {
      await menu.selectOption(name);
      await page.waitForURL(new RegExp(`forward_key=${name}`), { timeout: WAIT });
      await waitFor(async () => (await rowTitles()).join('|') === title, async () => `rows ${JSON.stringify(await rowTitles())}, want only "${title}"`);
    }
    await page.screenshot({ path: `${SHOTS}review-forward-key.png` });
    await list().getByRole('button', { name: 'Clear filters' }).click();
    await list().getByRole('button', { name: 'Filters', exact: true }).click();
    await waitFor(async () => (await rowTitles()).length >= 8, async () => `rows after clearing: ${JSON.stringify(await rowTitles())}`);
  });

  it('opens a conversation with its messages', STEP, async () => {
    await openConversation(CHAT_TITLE);
    await page.waitForURL(/#\/c\/\d+$/, { timeout: WAIT });
    await waitFor(async () => (await detail().getByRole('article').count()) === 4, async () => `articles: ${await detail().getByRole('article').count()}`);
    await page.screenshot({ path: `${SHOTS}review-conversation.png` });
  });

  it('edits a message and shows the diff (PUT /api/messages/{id})', STEP, async () => {
    const last = detail().getByRole('article').last();
    await last.hover();
    await last.getByRole('button', { name: 'Edit', exact: true }).click();
    await last.getByRole('textbox').fill(EDITED);
    await last.getByRole('button', { name: 'Save' }).click();
    await expectVisible(detail().getByText(EDITED), 'the edited text', toastText);
    await expectVisible(last.getByText('edited', { exact: true }), 'the "edited" badge');
    await last.getByRole('button', { name: 'Diff' }).click();
    await expectVisible(last.locator('ins'), 'an insertion in the diff');
    await page.screenshot({ path: `${SHOTS}review-edit.png` });
    const d = await api(`/conversations/${ids[CHAT_TITLE]}`);
    assert.equal(d.messages.at(-1).content, EDITED);
    assert.equal(d.messages.at(-1).original, seen.chat[3].content);
  });

  // The branch rule (issue 14): looking at a version never changes what is exported;
  // "Use this answer" does, says so in the header, and its Undo goes back.
  it('looks at a branch without choosing it; "Use this answer" chooses, Undo reverts (GET …?via=, PUT/DELETE …/branch)', STEP, async () => {
    const exported = async () => JSON.stringify(await api(`/conversations/${ids[REGEN_TITLE]}/record`));
    const exportsAnswer = (want, other, what) =>
      waitFor(async () => { const r = await exported(); return r.includes(want) && !r.includes(other); }, async () => `${what}: record ${await exported()}`);
    await openConversation(REGEN_TITLE);
    const answer = detail().getByRole('article').last();
    await expectVisible(answer.getByText(seen.second), 'the newest answer on the chosen path');
    await expectVisible(answer.getByText('2/2'), 'the ◀ 2/2 ▶ switch (siblingIds)');
    await exportsAnswer(seen.second, seen.first, 'before looking, the newest answer is exported');

    await answer.getByRole('button', { name: 'Previous version' }).click();
    await expectVisible(detail().getByText(seen.first), 'the first answer after ◀', toastText);
    await expectVisible(detail().getByText('1/2'), '1/2 after ◀');
    await expectVisible(detail().getByText(/Looking at another version/), 'the notice that the shown version is not exported');
    await page.screenshot({ path: `${SHOTS}review-branch.png` });
    // Looking is not choosing, also after the next poll refreshed the view.
    await page.waitForTimeout(1200);
    await expectVisible(detail().getByText('1/2'), 'still 1/2 after a refresh');
    await exportsAnswer(seen.second, seen.first, 'after ◀ the export is unchanged');

    await detail().getByRole('button', { name: 'Use this answer' }).click();
    await expectVisible(detail().getByText(/Answer chosen by you/), 'the choice shown in the header', toastText);
    await exportsAnswer(seen.first, seen.second, 'after "Use this answer" the first answer is exported');
    await page.screenshot({ path: `${SHOTS}review-branch-chosen.png` });

    await page.getByRole('button', { name: 'Undo' }).first().click();
    await exportsAnswer(seen.second, seen.first, 'after Undo the newest answer is exported again');
    await expectVisible(detail().getByText(seen.second), 'the newest answer shown after Undo');
  });

  it('compares sibling answers side by side and records the better one (v, PUT /api/messages/{id}/preferred)', STEP, async () => {
    await detail().getByRole('heading', { name: REGEN_TITLE }).click(); // focus out of any button
    await page.keyboard.press('v');
    const dialog = page.getByRole('dialog', { name: 'Compare versions' });
    const left = dialog.getByRole('region', { name: 'Version 1 of 2' });
    await expectVisible(left.getByText(seen.first.split(' ').at(-1)), 'version 1 in the left column', async () => dialog.innerText());
    await expectVisible(dialog.getByRole('region', { name: /Shown: version 2 of 2/ }), 'the shown version on the right');
    await expectVisible(dialog.locator('del'), 'a word-level deletion');
    await page.screenshot({ path: `${SHOTS}review-compare.png` });
    await left.getByRole('button', { name: 'This one is better' }).click();
    const d = await api(`/conversations/${ids[REGEN_TITLE]}`);
    const [firstId] = d.messages.at(-1).siblingIds;
    await waitFor(async () => (await api(`/conversations/${ids[REGEN_TITLE]}?via=${firstId}`)).messages.at(-1).preferred === true,
      async () => `version 1 not marked preferred: ${JSON.stringify((await api(`/conversations/${ids[REGEN_TITLE]}?via=${firstId}`)).messages.at(-1))}`);
  });

  it('tags a conversation (POST /api/tags, PUT …/tags)', STEP, async () => {
    await openConversation(CHAT_TITLE);
    await detail().getByRole('button', { name: '+ tag' }).click();
    await page.getByRole('textbox', { name: 'Tag name' }).fill(TAG);
    await page.getByRole('button', { name: `Create “${TAG}”` }).click();
    await expectVisible(detail().getByRole('button', { name: `Remove tag ${TAG}` }), 'the new tag on the conversation', toastText);
    await page.keyboard.press('Escape');
    const d = await api(`/conversations/${ids[CHAT_TITLE]}`);
    assert.deepEqual((d.tags ?? []).map((t) => t.name), [TAG]);
  });

  it('confirms the open conversation', STEP, async () => {
    await detail().getByRole('button', { name: 'Confirm' }).click();
    await expectVisible(detail().getByText('Confirmed', { exact: true }), 'the Confirmed badge');
    await waitFor(async () => (await api(`/conversations/${ids[CHAT_TITLE]}`)).status === 'confirmed', async () => 'the server did not record confirmed');
  });

  it('bulk-confirms everything a search matches (POST /api/bulk)', STEP, async () => {
    await search().fill('Bulk chat');
    await waitFor(async () => (await rowTitles()).length === 3, async () => `rows ${JSON.stringify(await rowTitles())}, want the 3 bulk chats`);
    await list().getByRole('button', { name: /Act on all 3 matching/ }).click();
    await list().getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Confirm' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirmed?' });
    await expectVisible(dialog.getByText('3 conversations'), 'the confirmation stating the count');
    await page.screenshot({ path: `${SHOTS}review-bulk.png` });
    await dialog.getByRole('button', { name: 'Confirmed 3 conversations' }).click();
    await expectVisible(page.getByText('Confirmed: 3 conversations'), 'the bulk result toast', toastText);
    for (const t of BULK) {
      await waitFor(async () => (await api(`/conversations/${ids[t]}`)).status === 'confirmed', async () => `"${t}" is not confirmed`);
    }
    await search().fill('');
  });

  it('exports from the dialog, with the edit in the file (GET /api/export/preview, POST /api/export)', STEP, async () => {
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export a dataset' });
    await expectVisible(dialog.getByText(/4 valid records/), 'the preview count (4 confirmed)', async () => dialog.innerText());
    // The dialog starts at "confirmed" whatever the list shows.
    await page.screenshot({ path: `${SHOTS}review-export.png` });
    await dialog.getByRole('button', { name: 'Write file' }).click();
    const pathEl = dialog.getByRole('status').locator('code');
    await expectVisible(pathEl, 'the written path', async () => dialog.innerText());
    const file = (await pathEl.innerText()).trim();
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes(EDITED), `the export ${file} contains the edited text`);
    assert.ok(!text.includes(seen.chat[3].content), 'and not the captured original');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('has the edit in `llmtap export`', STEP, async () => {
    const out = path.join(dataDir, 'cli-export.json');
    await runExport({ dataDir, format: 'sharegpt', out, args: ['--status', 'confirmed'] });
    const recs = JSON.parse(fs.readFileSync(out, 'utf8'));
    const tides = recs.find((r) => r.conversations?.[0]?.value === CHAT_TITLE);
    assert.ok(tides, `the tides chat is exported: ${JSON.stringify(recs).slice(0, 500)}`);
    assert.equal(tides.conversations.at(-1).value, EDITED, 'the last turn is the edited text');
  });

  it('shows the overview (GET /api/stats)', STEP, async () => {
    if (await page.locator('dialog[open]').count()) await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Overview' }).click();
    await page.waitForURL(/#\/overview$/, { timeout: WAIT });
    await expectVisible(page.getByRole('img', { name: 'Conversations by model' }), 'the by-model chart', async () => page.locator('body').innerText());
    await page.screenshot({ path: `${SHOTS}review-overview.png` });
    await page.getByRole('button', { name: 'Review' }).click();
  });

  it('raises no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });

  async function rowTitles() {
    return list().locator('[data-id] .title').allInnerTexts();
  }
  async function toastText() {
    return page.getByRole('status').allInnerTexts().then((t) => `toasts: ${JSON.stringify(t)}`);
  }
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

// expectVisible waits (bounded) until locator shows, and says what was missing plus more().
async function expectVisible(locator, what, more) {
  try {
    await locator.filter({ visible: true }).first().waitFor({ state: 'visible', timeout: WAIT });
  } catch (err) {
    const extra = more ? await more().catch((e) => `(${e.message})`) : await locator.page().locator('body').innerText({ timeout: 2000 }).catch(() => '');
    throw new Error(`${what} not visible within ${WAIT} ms: ${err.message.split('\n')[0]}\n${String(extra).slice(0, 3000)}`);
  }
}
