// End to end: every export format from traffic the official SDKs sent. The openai
// client (through --target) and the @anthropic-ai/sdk client (through a --route to
// a fake Messages API) have chats with a system prompt, a tool call, a
// regeneration (a preference pair) and an image; then `llmtap export --format F`
// runs for every format `llmtap export --help` lists, and a Hugging Face folder
// (--out DIR/) for one, and each record is checked with the trainers' own key
// rules (lib/trainers.mjs), not the Go validators.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { startUpstream } from './lib/upstream.mjs';
import { binPath, startServe, runExport, getJSON, waitForCaptures, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client, plain, streamed, WEATHER_TOOL, API_KEY } from './lib/chat.mjs';
import { readJSONL, readJSONArray } from './lib/sharegpt.mjs';
import { checkerOf } from './lib/trainers.mjs';
import { launchChromium } from './lib/browser.mjs';

const MODEL = 'gpt-4o-mini';
const STEP = { timeout: 30000 };
// A 1×1 PNG.
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** startAnthropic is a fake Messages API answering "claude says: LAST USER TEXT" as JSON. */
async function startAnthropic() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      requests.push(body);
      const last = [...body.messages].reverse().find((m) => m.role === 'user');
      const said = typeof last.content === 'string' ? last.content : last.content.map((p) => p.text || '').join('');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `msg_e2e${requests.length}`, type: 'message', role: 'assistant', model: body.model,
        content: [{ type: 'text', text: `claude says: ${said}` }], stop_reason: 'end_turn', stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 5 } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

/** helpFormats are the formats `llmtap export --help` lists under -format. */
function helpFormats() {
  let text;
  try {
    text = execFileSync(binPath(), ['export', '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  } catch (err) {
    text = `${err.stdout ?? ''}${err.stderr ?? ''}`; // flag's -help exits 0 or 2 depending on the version
  }
  const block = /-format format\n([\s\S]*?)\n  -/.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^\s{6,}([a-z][a-z0-9-]+)\s{2,}\S/gm)].map((m) => m[1]);
}

describe('every export format from SDK traffic', () => {
  let up;
  let claude;
  let serve;
  let openai;
  const dataDir = tempDir('llmtap-e2e-fmt-data-');
  const outDir = tempDir('llmtap-e2e-fmt-out-');
  const ids = {};

  before(async () => {
    up = await startUpstream();
    claude = await startAnthropic();
    serve = await startServe({ target: up.url, dataDir, args: ['--route', `claude=${claude.url}`] });
    openai = client(`${serve.proxyURL}/v1`);
  });

  after(async () => {
    serve?.kill();
    await up?.close();
    await claude?.close();
    removeTempDirs(dataDir, outDir);
  });

  it('drives chats with the openai and anthropic SDKs', STEP, async () => {
    // A plain chat with a system prompt, two rounds.
    const plainChat = [{ role: 'system', content: 'You are a terse travel assistant.' }];
    for (const q of ['Plan a day in Lisbon', 'And the budget?']) {
      plainChat.push({ role: 'user', content: q });
      plainChat.push((await plain(openai, { model: MODEL, messages: plainChat })).message);
    }
    // A tool call answered by the tool, streamed.
    const tool = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const call = await streamed(openai, { model: MODEL, messages: tool, tools: [WEATHER_TOOL] });
    assert.equal(call.finishReason, 'tool_calls');
    tool.push(call.message, { role: 'tool', tool_call_id: call.message.tool_calls[0].id, content: '{"temp_c":21}' });
    tool.push((await streamed(openai, { model: MODEL, messages: tool, tools: [WEATHER_TOOL] })).message);
    // A regeneration: the same history twice, then the chat goes on from the second.
    const regen = [{ role: 'user', content: 'Write a haiku about autumn' }];
    const first = await plain(openai, { model: MODEL, messages: regen });
    const second = await plain(openai, { model: MODEL, messages: regen });
    assert.notEqual(first.message.content, second.message.content);
    regen.push(second.message, { role: 'user', content: 'Make it rhyme' });
    regen.push((await plain(openai, { model: MODEL, messages: regen })).message);
    // An image the client sent.
    const image = [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: PIXEL } }] }];
    image.push((await plain(openai, { model: MODEL, messages: image })).message);
    // Anthropic's SDK, through a route: a system prompt and two rounds.
    const anthropic = new Anthropic({ apiKey: API_KEY, baseURL: `${serve.proxyURL}/claude`, maxRetries: 0, timeout: 15000 });
    const msgs = [];
    for (const q of ['Name a river in Spain', 'How long is it?']) {
      msgs.push({ role: 'user', content: q });
      const res = await anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 64, system: 'Answer briefly.', messages: msgs });
      msgs.push({ role: 'assistant', content: res.content });
    }
    assert.equal(claude.requests.length, 2);
    assert.equal(up.requests.length, 8);
  });

  it('captures five conversations, the regeneration as a sibling', STEP, async () => {
    const status = await waitForCaptures(serve.uiURL, 10);
    assert.equal(status.conversations, 5, `status ${JSON.stringify(status)}`);
    const list = await getJSON(`${serve.uiURL}/api/conversations`);
    for (const c of list.items) ids[c.title] = c.id;
    for (const title of ['Plan a day in Lisbon', 'What is the weather in Paris?', 'Write a haiku about autumn', 'What is in this picture?', 'Name a river in Spain']) {
      assert.ok(ids[title], `no conversation ${JSON.stringify(title)} in ${JSON.stringify(Object.keys(ids))}`);
    }
    // KTO needs reviewed conversations: one kept, one rejected.
    for (const [title, status] of [['Plan a day in Lisbon', 'confirmed'], ['Name a river in Spain', 'rejected']]) {
      const res = await fetch(`${serve.uiURL}/api/conversations/${ids[title]}/status`, { method: 'PUT', body: JSON.stringify({ status }) });
      assert.ok(res.ok, `set ${title} ${status}: ${res.status}`);
    }
  });

  it('says per conversation whether it is valid for a format', STEP, async () => {
    const v = await getJSON(`${serve.uiURL}/api/conversations/${ids['Write a haiku about autumn']}/validity?format=dpo`);
    assert.deepEqual({ valid: v.valid, records: v.records }, { valid: true, records: 1 }, JSON.stringify(v));
    const none = await getJSON(`${serve.uiURL}/api/conversations/${ids['Plan a day in Lisbon']}/validity?format=dpo`);
    assert.equal(none.valid, false, JSON.stringify(none));
    assert.ok(none.reasons.length > 0, 'an invalid conversation says why');
  });

  it('shows in the conversation view whether it is valid for the chosen format', { timeout: 90000 }, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${serve.uiURL}/#/c/${ids['Write a haiku about autumn']}`, { waitUntil: 'domcontentloaded', timeout: 30000 });
      const line = page.locator('[data-validity]');
      await line.getByText(/^Valid for /).waitFor({ timeout: 15000 });
      await line.getByRole('combobox', { name: 'Format checked' }).selectOption('dpo');
      await line.getByText(/^Valid for .*: 1 pair$/).waitFor({ timeout: 15000 });
      fs.mkdirSync(new URL('./screenshots/', import.meta.url), { recursive: true });
      await page.screenshot({ path: new URL('./screenshots/validity.png', import.meta.url).pathname });
      // The choice is kept: another conversation is checked for dpo too, and has no pair.
      await page.goto(`${serve.uiURL}/#/c/${ids['Plan a day in Lisbon']}`, { waitUntil: 'domcontentloaded', timeout: 30000 });
      await line.getByText(/^Not valid for .*: no preference pair/).waitFor({ timeout: 15000 });
    } finally {
      await browser.close();
    }
  });

  const formats = helpFormats();
  it('lists the formats', () => {
    for (const f of Object.keys(checkerOf)) assert.ok(formats.includes(f), `--help lists ${formats.join(', ')}; no ${f}`);
    assert.deepEqual(formats.filter((f) => !checkerOf[f]), [], 'a format the test has no trainer check for');
  });

  for (const format of formats) {
    it(`exports ${format} every record of which its trainer takes`, STEP, async () => {
      const out = path.join(outDir, `x-${format}${format === 'sharegpt' ? '.json' : '.jsonl'}`);
      const res = await runExport({ dataDir, format, out, args: ['--status', 'all'] });
      const recs = format === 'sharegpt' ? readJSONArray(out) : readJSONL(out);
      const check = checkerOf[format];
      for (const [i, r] of recs.entries()) assert.deepEqual(check(r), [], `${format} record ${i + 1}: ${JSON.stringify(r).slice(0, 400)}`);
      const pairs = ['dpo', 'openai-dpo', 'preference-jsonl'].includes(format);
      // One pair (the regeneration); otherwise one record a conversation, but
      // alpaca, which holds no tool calls, leaves the tool chat out and says so.
      const want = pairs ? { records: 1, invalid: 0 } : format === 'alpaca' ? { records: 4, invalid: 1 } : { records: 5, invalid: 0 };
      assert.deepEqual({ records: recs.length, invalid: res.invalid ?? 0 }, want, `${format}: ${res.stdout}${res.stderr}`);
      if (format === 'alpaca') {
        assert.match(fs.readFileSync(`${out}.invalid.jsonl`, 'utf8'), /"title":"What is the weather in Paris\?","reason":"alpaca holds no tool calls/);
      }
      const text = JSON.stringify(recs);
      if (!pairs) {
        if (format !== 'alpaca') assert.match(text, /get_weather/, `${format}: the tool chat is there`);
        assert.match(text, /claude says: How long is it\?/, `${format}: the Anthropic chat is there`);
      }
      if (format === 'openai-jsonl') assert.match(text, /"image_url"/, 'the image travels as an image_url part');
      if (['sharegpt', 'sharegpt-jsonl', 'kto', 'alpaca'].includes(format)) {
        const withImage = recs.find((r) => r.images?.length);
        assert.ok(withImage, `${format}: a record with images`);
        assert.ok(fs.existsSync(path.resolve(path.dirname(out), withImage.images[0])), `${format}: image file ${withImage.images[0]} beside the dataset`);
      }
      if (format === 'kto') {
        assert.deepEqual([...new Set(recs.map((r) => r.kto_tag))].sort(), [false, true], 'kto: kept and rejected (or worse) records');
      }
      if (format === 'messages-jsonl') {
        for (const side of ['.axolotl.yaml', '.dataset_info.json']) {
          const file = out + side;
          assert.ok(fs.existsSync(file), `no ${path.basename(file)} beside ${path.basename(out)}`);
        }
      }
    });
  }

  it('writes a Hugging Face folder whose Parquet rows its trainer takes', { timeout: 60000 }, async () => {
    const dir = path.join(outDir, 'ds') + path.sep;
    await runExport({ dataDir, format: 'messages-jsonl', out: dir, args: ['--status', 'all'] });
    const file = path.join(dir, 'data', 'train-00000-of-00001.parquet');
    const compressors = { ZSTD: (input) => new Uint8Array(execFileSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 64 << 20 })) };
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
    assert.equal(rows.length, 5);
    for (const [i, r] of rows.entries()) {
      // Parquet has nulls where JSON Lines leaves a field out.
      const rec = JSON.parse(JSON.stringify(r, (k, v) => (v === null ? undefined : v)));
      assert.deepEqual(checkerOf['messages-jsonl'](rec), [], `row ${i + 1}: ${JSON.stringify(rec).slice(0, 400)}`);
    }
    assert.ok(fs.existsSync(path.join(dir, 'README.md')) && fs.existsSync(path.join(dir, 'dataset_info.json')), 'card and dataset_info.json');
  });
});
