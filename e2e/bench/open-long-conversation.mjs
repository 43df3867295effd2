// Measures how long the UI takes to show a 200-turn conversation: from navigation to
// the last of its 200 messages being on screen, in Debian's Chromium, against the
// real `llmtap serve`. A measurement, not a test: it prints medians and asserts
// nothing (machines here are shared and noisy).
//
//   LLMTAP_BIN=../bin/llmtap node bench/open-long-conversation.mjs
import { launchChromium } from '../lib/browser.mjs';
import { startUpstream } from '../lib/upstream.mjs';
import { startServe, waitForCaptures, tempDir } from '../lib/llmtap.mjs';
import { client, plain } from '../lib/chat.mjs';

const ROUNDS = 100; // 100 user turns + 100 answers = 200 messages
const RUNS = 7;

const up = await startUpstream();
const serve = await startServe({ target: up.url, dataDir: tempDir('llmtap-bench-open-') });
try {
  const openai = client(`${serve.proxyURL}/v1`);
  const msgs = [];
  for (let i = 0; i < ROUNDS; i++) {
    msgs.push({ role: 'user', content: `Turn ${i + 1}: tell me one more thing about tides, with a little detail.` });
    msgs.push((await plain(openai, { model: 'gpt-4o-mini', messages: msgs })).message);
  }
  await waitForCaptures(serve.uiURL, ROUNDS, { timeoutMs: 60000 });
  const list = await (await fetch(`${serve.uiURL}/api/conversations`)).json();
  const id = list.items[0].id;

  const apiTimes = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await (await fetch(`${serve.uiURL}/api/conversations/${id}`)).json();
    apiTimes.push(performance.now() - t0);
  }

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.uiURL}/`); // warm: assets cached as a returning person has them
  await page.waitForSelector('nav[aria-label="Conversations"]');
  const uiTimes = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${serve.uiURL}/#/`);
    await page.waitForSelector('nav[aria-label="Conversations"]');
    const t0 = Date.now();
    await page.evaluate((cid) => { location.hash = `#/c/${cid}`; }, id);
    await page.waitForFunction(() => document.querySelectorAll('section[aria-label="Conversation"] article').length >= 200,
      null, { timeout: 30000, polling: 'raf' });
    uiTimes.push(Date.now() - t0);
  }
  await browser.close();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`200-message conversation: API median ${median(apiTimes).toFixed(1)} ms, ` +
    `click-to-rendered median ${median(uiTimes)} ms (runs: ${uiTimes.join(', ')})`);
} finally {
  await serve.stop().catch(() => serve.kill());
  await up.close();
}
