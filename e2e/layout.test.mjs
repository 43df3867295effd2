// The review window at 1,024 × 700 and 1,440 × 900, light and dark (issue 14, "any window
// size"): on every page (the exchange inspector open, Providers, the Overview's usage
// charts and price table, the first-run presets of an empty data folder among them) no
// horizontal scroll, the top bar and the conversation header of bounded height, the help
// button inside the window. Screenshots go to
// e2e/screenshots/layout-<width>-<scheme>-<page>.png and are meant to be looked at.
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
// A roleplay chat as SillyTavern sends it: main prompt, character card, an action in asterisks.
const RP = [
  { role: 'system', content: "Write Seraphina's next reply in a fictional chat between Seraphina and the user." },
  { role: 'system', content: 'Seraphina is a guardian of the glade.\nPersonality: kind, protective\nScenario: the user wakes up in the forest' },
  { role: 'user', content: '*opens my eyes slowly* Where am I?' },
];
const SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
];
const SCHEMES = ['light', 'dark'];
// A long title and a long model name: what squeezed the header at 1,024 px.
const TITLE = 'Plan a week of vegetarian dinners for a family of four with a shopping list grouped by aisle';
const MODEL = 'meta-llama/llama-3.3-70b-instruct-turbo-with-a-long-name';

describe('layout at any window size', () => {
  let up;
  let serve;
  let browser;
  const dataDir = tempDir('llmtap-e2e-layout-');
  const emptyDir = tempDir('llmtap-e2e-layout-empty-');
  let fresh; // an empty data folder and no target: the first-run presets
  let convID;

  before(async () => {
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    const openai = client(`${serve.proxyURL}/v1`);
    await plain(openai, { model: MODEL, messages: [{ role: 'user', content: TITLE }] });
    await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'A second, shorter chat' }] });
    await plain(openai, { model: 'gpt-4o-mini', messages: RP });
    await waitForCaptures(serve.uiURL, 3);
    const list = await getJSON(`${serve.uiURL}/api/conversations?limit=10`);
    convID = list.items.find((c) => c.title === TITLE)?.id;
    assert.ok(convID, `the long chat was captured: ${JSON.stringify(list.items.map((c) => c.title))}`);
    fresh = await startServe({ target: '', dataDir: emptyDir });
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    serve?.kill();
    fresh?.kill();
    await up?.close();
    removeTempDirs(dataDir, emptyDir);
  });

  it('lists a roleplay chat without asterisks and folds its prelude into named parts', { timeout: 60000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(WAIT);
    try {
      await page.goto(serve.uiURL);
      const row = page.getByRole('navigation', { name: 'Conversations' }).getByText('opens my eyes slowly Where am I?', { exact: true });
      await row.waitFor();
      await row.click();
      const detail = page.getByRole('region', { name: 'Conversation' });
      const prelude = detail.locator('details.prelude > summary');
      await prelude.waitFor();
      assert.match(await prelude.innerText(), /Prelude · 2 parts · Main prompt, Character card/);
      await prelude.click();
      await detail.locator('details.prelude summary', { hasText: 'Character card' }).first().waitFor();
      await page.screenshot({ path: `${SHOTS}layout-prelude.png` });
    } finally {
      await page.close();
    }
  });

  it('finds in a conversation, marks the list search, copies a message, switches the theme', { timeout: 60000 }, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1024, height: 700 }, colorScheme: 'dark' });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.uiURL });
    const page = await ctx.newPage();
    page.setDefaultTimeout(WAIT);
    const marks = (name) => page.evaluate((n) => CSS.highlights.get(n)?.size ?? 0, name);
    try {
      await page.goto(`${serve.uiURL}/#/?q=vegetarian&c=${convID}`);
      const detail = page.getByRole('region', { name: 'Conversation' });
      await detail.getByRole('heading', { name: TITLE }).waitFor();
      await page.waitForFunction(() => (CSS.highlights.get('llmtap-search')?.size ?? 0) >= 2);

      await detail.getByRole('heading', { name: TITLE }).click();
      await page.keyboard.press('f');
      const find = page.getByRole('search', { name: 'Find in this conversation' });
      await find.getByRole('textbox').fill('shopping');
      await find.getByText('1 of 2').waitFor();
      assert.equal(await marks('llmtap-find'), 2);
      await page.keyboard.press('Enter');
      await find.getByText('2 of 2').waitFor();
      await page.screenshot({ path: `${SHOTS}layout-find.png` });
      await page.keyboard.press('Escape');
      await find.waitFor({ state: 'detached' });
      assert.equal(await marks('llmtap-find'), 0);

      await detail.getByRole('article').first().getByRole('button', { name: 'Copy', exact: true }).click();
      await detail.getByRole('article').first().getByRole('button', { name: 'Copied' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), TITLE);

      const theme = () => page.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
      assert.deepEqual(await theme(), ['dark', 'rgb(29, 31, 35)'], 'system follows the dark scheme');
      await page.getByRole('button', { name: 'Theme: system' }).click();
      assert.deepEqual(await theme(), ['light', 'rgb(255, 255, 255)'], 'light over a dark system');
      await page.getByRole('button', { name: 'Theme: light' }).click();
      assert.deepEqual(await theme(), ['dark', 'rgb(29, 31, 35)']);
      await page.reload();
      await detail.getByRole('heading', { name: TITLE }).waitFor();
      assert.ok(await page.getByRole('button', { name: 'Theme: dark' }).isVisible(), 'the choice survives a reload');
    } finally {
      await ctx.close();
    }
  });

  it('shows tokens and cost in the conversation header and the list at 1,024 px, and sorts by cost', { timeout: 60000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(WAIT);
    try {
      const short = (await getJSON(`${serve.uiURL}/api/conversations?limit=10`)).items.find((c) => c.title === 'A second, shorter chat');
      await page.goto(`${serve.uiURL}/#/?sort=cost&c=${short.id}`);
      const meta = page.getByRole('region', { name: 'Conversation' }).locator('.head .usage');
      // The fake upstream's usage (10 in, 7 out) at the default gpt-4o-mini price; the llama model has none.
      await meta.getByText('10 in · 7 out', { exact: true }).waitFor();
      const cost = meta.locator('.cost');
      await cost.waitFor();
      assert.equal(await cost.innerText(), '<$0.0001');
      const box = await cost.boundingBox();
      assert.ok(box && box.x + box.width <= 1024, `the header's cost is inside the window: ${JSON.stringify(box)}`);
      const list = page.getByRole('navigation', { name: 'Conversations' });
      const rows = await list.locator('[data-id]').evaluateAll((els) => els.map((e) => [e.querySelector('.title')?.textContent, e.querySelector('.flag.cost')?.textContent ?? null]));
      // Priced conversations first (most expensive first), the unpriced llama chat last, without a cost.
      assert.equal(rows.length, 3);
      assert.deepEqual(rows.at(-1), [TITLE, null], JSON.stringify(rows));
      assert.ok(rows.slice(0, 2).every(([, c]) => c === '<$0.0001'), JSON.stringify(rows));
      const flag = await list.locator('[data-id] .flag.cost').first().boundingBox();
      assert.ok(flag && flag.x + flag.width <= 370, `the row's cost is visible in the list: ${JSON.stringify(flag)}`);
      assert.equal(await page.getByLabel('Sort by').inputValue(), 'cost');
      await page.screenshot({ path: `${SHOTS}layout-cost.png` });

      // The roleplay chat sent 3 messages: 30 prompt tokens, 20 of them from the prompt cache.
      await list.getByText('opens my eyes slowly Where am I?', { exact: true }).click();
      await meta.getByText('30 in (20 cached) · 7 out', { exact: true }).waitFor();
      await page.goto(`${serve.uiURL}/#/overview`);
      const row = page.getByRole('table', { name: 'Usage by model' }).getByRole('row', { name: /gpt-4o-mini/ });
      await row.getByText('(20 cached)').waitFor();
      await noScroll(page, 'overview with cached tokens');
    } finally {
      await page.close();
    }
  });

  async function noScroll(page, where) {
    const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(sw <= iw, `${where}: scrollWidth ${sw} > innerWidth ${iw}`);
  }

  const pages = () => [
    { name: 'review', hash: `#/c/${convID}`, ready: (p) => p.getByRole('heading', { name: TITLE }) },
    { name: 'overview', hash: '#/overview', ready: (p) => p.getByRole('button', { name: 'Overview', exact: true }) },
    { name: 'exchanges', hash: '#/exchanges', ready: (p) => p.getByRole('button', { name: 'Exchanges', exact: true }) },
    { name: 'settings', hash: '#/settings', ready: (p) => p.getByRole('button', { name: 'Settings', exact: true }) },
    { name: 'providers', hash: '#/providers', ready: (p) => p.getByRole('heading', { name: 'Providers', level: 1 }) },
    {
      name: 'inspector',
      hash: '#/exchanges',
      ready: (p) => p.getByRole('main', { name: 'Exchanges' }).getByRole('button', { name: /POST .*chat\/completions/ }),
      open: async (p) => {
        await p.getByRole('main', { name: 'Exchanges' }).getByRole('button', { name: /POST .*chat\/completions/ }).first().click();
        await p.getByRole('complementary', { name: 'Raw exchange' }).getByTestId('json-tree').first().waitFor();
      },
    },
    {
      name: 'usage',
      hash: '#/overview',
      ready: (p) => p.getByRole('table', { name: 'Usage by model' }).getByRole('row', { name: /gpt-4o-mini/ }),
      open: async (p) => {
        const usage = p.getByRole('region', { name: /Usage and cost/ });
        await usage.getByRole('button', { name: 'Prices…' }).click();
        await usage.getByRole('table', { name: 'Prices' }).waitFor();
        await usage.scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'first-run',
      url: () => fresh.uiURL,
      ready: (p) => p.getByRole('button', { name: 'Ollama', exact: true }),
      open: async (p) => {
        await p.getByRole('button', { name: 'Anthropic', exact: true }).click(); // shown, not used
        await p.getByRole('button', { name: 'Use Anthropic' }).waitFor();
      },
    },
  ];

  for (const size of SIZES) {
    for (const scheme of SCHEMES) {
      it(`fits ${size.width}×${size.height} in ${scheme}`, { timeout: 120000 }, async (t) => {
        const ctx = await browser.newContext({ viewport: size, colorScheme: scheme });
        const page = await ctx.newPage();
        page.setDefaultTimeout(WAIT);
        try {
          for (const pg of pages()) {
            await page.goto(pg.url ? pg.url() : `${serve.uiURL}/${pg.hash}`, { waitUntil: 'domcontentloaded' });
            await pg.ready(page).first().waitFor({ state: 'visible' });
            await pg.open?.(page);
            await page.waitForTimeout(300); // fonts and the first poll settle
            const shot = `${SHOTS}layout-${size.width}-${scheme}-${pg.name}.png`;
            await page.screenshot({ path: shot });
            const m = await page.evaluate(() => {
              const top = document.querySelector('body > #app header, .app > header');
              const help = document.querySelector('button[aria-label="Keyboard shortcuts"]');
              const head = document.querySelector('section[aria-label="Conversation"] .head');
              const hr = help?.getBoundingClientRect();
              return {
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                top: top?.getBoundingClientRect().height ?? -1,
                head: head?.getBoundingClientRect().height ?? 0,
                helpRight: hr ? hr.right : -1,
                helpVisible: !!hr && hr.width > 0,
              };
            });
            const where = `${pg.name} at ${size.width}×${size.height} ${scheme} (${shot})`;
            t.diagnostic(`${where}: scrollWidth ${m.scrollWidth}/${m.innerWidth}, top bar ${m.top} px, conversation header ${m.head} px`);
            assert.ok(m.scrollWidth <= m.innerWidth, `${where}: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
            assert.ok(m.top > 0 && m.top <= 120, `${where}: top bar ${m.top} px, want ≤ 120`);
            assert.ok(m.head <= 120, `${where}: conversation header ${m.head} px, want ≤ 120`);
            assert.ok(m.helpVisible && m.helpRight <= m.innerWidth, `${where}: help button right edge ${m.helpRight} beyond ${m.innerWidth}`);
          }
        } finally {
          await ctx.close();
        }
      });
    }
  }
});
