// Accessibility (issue 14): axe-core in Chromium finds no serious or critical violation
// on any page, in light and dark, nor with the shortcut help, the export dialog or the
// side-by-side comparison open, nor with the list's filters open (the gateway's Forward key
// menu among them), nor on the Overview's usage charts and price table, the
// exchange inspector, the Providers page and the first-run presets of an empty data
// folder; a skip link leads to the conversation, the list is one tab stop (arrow keys
// move inside it), and Esc closes dialogs and the raw drawer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir, removeTempDirs, getJSON } from './lib/llmtap.mjs';
import OpenAI from 'openai';
import { client, plain } from './lib/chat.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WAIT = 15000;
const TITLE = 'Write a haiku about autumn';

describe('accessibility', () => {
  let up;
  let serve;
  let browser;
  const dataDir = tempDir('llmtap-e2e-a11y-');
  const emptyDir = tempDir('llmtap-e2e-a11y-empty-');
  let fresh; // a serve with an empty data folder and no target: the first-run presets
  let convID;

  before(async () => {
    up = await startUpstream();
    // One chat through the gateway with a forward key, so the list offers the Forward key menu.
    const providers = path.join(dataDir, 'providers.yaml');
    fs.writeFileSync(providers, `providers:\n  - { name: keyed, kind: openai, base_url: "${up.url}/v1", keys: [sk-a11y-pool-0123456789], models: [gpt-4o-keyed] }\n`
      + 'forward_keys:\n  - { key: lt-a11y-0123456789, name: a11y-team }\n');
    serve = await startServe({ target: up.url, dataDir, args: ['--providers', providers] });
    const openai = client(`${serve.proxyURL}/v1`);
    const keyed = new OpenAI({ apiKey: 'lt-a11y-0123456789', baseURL: `${serve.proxyURL}/v1`, maxRetries: 0, timeout: 15000 });
    await plain(keyed, { model: 'gpt-4o-keyed', messages: [{ role: 'user', content: 'A chat through a forward key' }] });
    const regen = [{ role: 'user', content: TITLE }];
    await plain(openai, { model: 'gpt-4o-mini', messages: regen });
    await plain(openai, { model: 'gpt-4o-mini', messages: regen }); // a second version
    for (const t of ['Another chat', 'A third chat']) await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: t }] });
    await waitForCaptures(serve.uiURL, 4);
    const list = await getJSON(`${serve.uiURL}/api/conversations?limit=10`);
    convID = list.items.find((c) => c.title === TITLE).id;
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

  // scan runs axe on the page as it is and returns its serious and critical violations, one line each.
  async function scan(page) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    return res.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
  }

  const states = (p) => [
    { name: 'review', go: async () => { await p.goto(`${serve.uiURL}/#/c/${convID}`); await p.getByRole('heading', { name: TITLE }).waitFor(); } },
    { name: 'help', go: async () => { await p.keyboard.press('?'); await p.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor(); } },
    { name: 'compare', go: async () => { await p.keyboard.press('Escape'); await p.keyboard.press('v'); await p.getByRole('dialog', { name: 'Compare versions' }).getByText('This one is better').first().waitFor(); } },
    { name: 'export', go: async () => { await p.keyboard.press('Escape'); await p.getByRole('button', { name: 'Export…' }).click(); await p.getByRole('dialog', { name: 'Export a dataset' }).waitFor(); } },
    { name: 'queue', go: async () => { await p.keyboard.press('Escape'); await p.keyboard.press('q'); await p.getByRole('region', { name: 'Review queue' }).waitFor(); } },
    {
      name: 'filters',
      go: async () => {
        await p.keyboard.press('Escape');
        await p.goto(`${serve.uiURL}/#/c/${convID}`);
        await p.getByRole('heading', { name: TITLE }).waitFor();
        await p.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Filters', exact: true }).click();
        await p.getByRole('combobox', { name: 'Forward key' }).waitFor();
      },
    },
    { name: 'overview', go: async () => { await p.goto(`${serve.uiURL}/#/overview`); await p.getByRole('button', { name: 'Overview', exact: true }).waitFor(); await p.waitForTimeout(500); } },
    { name: 'exchanges', go: async () => { await p.goto(`${serve.uiURL}/#/exchanges`); await p.getByRole('table').first().waitFor(); } },
    { name: 'settings', go: async () => { await p.goto(`${serve.uiURL}/#/settings`); await p.waitForTimeout(500); } },
    {
      name: 'usage',
      go: async () => {
        await p.goto(`${serve.uiURL}/#/overview`);
        const usage = p.getByRole('region', { name: /Usage and cost/ });
        await usage.getByRole('table', { name: 'Usage by model' }).getByRole('row', { name: /gpt-4o-mini/ }).waitFor();
        await usage.getByRole('button', { name: 'Prices…' }).click();
        await usage.getByRole('table', { name: 'Prices' }).waitFor();
        await usage.scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'inspector',
      go: async () => {
        await p.goto(`${serve.uiURL}/#/exchanges`);
        await p.getByRole('main', { name: 'Exchanges' }).getByRole('button', { name: /POST .*chat\/completions/ }).first().click();
        await p.getByRole('complementary', { name: 'Raw exchange' }).getByTestId('json-tree').first().waitFor();
      },
    },
    { name: 'providers', go: async () => { await p.goto(`${serve.uiURL}/#/providers`); await p.getByRole('heading', { name: 'Providers', level: 1 }).waitFor(); await p.waitForTimeout(300); } },
    {
      name: 'first-run',
      go: async () => {
        await p.goto(fresh.uiURL);
        await p.getByText('No target, route or provider is configured yet').waitFor();
        await p.getByRole('button', { name: 'Ollama', exact: true }).waitFor();
      },
    },
    {
      name: 'first-run-preset',
      go: async () => {
        await p.getByRole('button', { name: 'OpenAI', exact: true }).click(); // shown, not used: the folder stays empty
        await p.getByRole('button', { name: 'Use OpenAI' }).waitFor();
      },
    },
  ];

  for (const scheme of ['light', 'dark']) {
    it(`has no serious or critical violations in ${scheme}`, { timeout: 180000 }, async () => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      const page = await ctx.newPage();
      page.setDefaultTimeout(WAIT);
      const found = [];
      try {
        for (const s of states(page)) {
          await s.go();
          await page.waitForTimeout(200); // transitions end
          for (const v of await scan(page)) found.push(`${s.name}: ${v}`);
          await page.screenshot({ path: `${SHOTS}a11y-${scheme}-${s.name}.png` });
        }
      } finally {
        await ctx.close();
      }
      assert.deepEqual(found, []);
    });
  }

  it('skip link, one tab stop for the list, Esc closes the raw drawer', { timeout: 60000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    try {
      await page.goto(`${serve.uiURL}/#/c/${convID}`);
      await page.getByRole('heading', { name: TITLE }).waitFor();
      // The first Tab reaches the skip link, which moves focus to the conversation.
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
      assert.equal(first, 'Skip to the conversation');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('section')?.getAttribute('aria-label')), 'Conversation');

      // Targets are at least 24 px (checkboxes are 18 px with room around them: WCAG 2.5.8's spacing).
      const small = await page.evaluate(() => [...document.querySelectorAll('button, a, select, input:not([type=checkbox]), summary')]
        .map((e) => [e, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && r.height > 0 && Math.min(r.width, r.height) < 23.5)
        .map(([e, r]) => `${e.tagName} "${(e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`));
      assert.deepEqual(small, [], 'targets under 24 px');

      // From the list's first row, one Tab leaves the list, whatever its length.
      await page.locator('nav[aria-label="Conversations"] [data-id] a[tabindex="0"]').focus();
      const rowFocus = () => page.evaluate(() => document.activeElement?.closest('[data-id]')?.getAttribute('data-id') ?? null);
      const start = await rowFocus();
      assert.ok(start, 'a row has focus');
      await page.keyboard.press('ArrowDown');
      if ((await rowFocus()) === start) await page.keyboard.press('ArrowUp'); // it was the last row
      const moved = await rowFocus();
      assert.ok(moved && moved !== start, `an arrow key moves focus to another row (${start} → ${moved})`);
      await page.keyboard.press('Tab');
      assert.equal(await rowFocus(), null, 'Tab leaves the list after one stop');
      const rowStops = await page.locator('nav[aria-label="Conversations"] [data-id] a[tabindex="0"]').count();
      assert.equal(rowStops, 1, 'exactly one row link is in the tab order');

      // Esc closes the raw exchange drawer.
      await page.getByRole('heading', { name: TITLE }).click();
      await page.keyboard.press('r');
      const drawer = page.getByRole('complementary').or(page.getByRole('dialog'));
      await drawer.first().waitFor();
      await page.keyboard.press('Escape');
      await drawer.first().waitFor({ state: 'detached' });
    } finally {
      await page.close();
    }
  });
});
