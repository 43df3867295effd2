// End to end: translation and forward keys in the model gateway (issue 13). The
// official @anthropic-ai/sdk client streams a message through the real binary to a
// fake OpenAI-compatible provider, and the official openai client reaches a fake
// Anthropic provider; a forward key is required (401 without it), the providers see
// only their own keys, and the capture holds each conversation once, in the
// provider's dialect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, getJSON, waitForCaptures, findInDir, tempDir, removeTempDirs } from './lib/llmtap.mjs';

const FORWARD_KEY = 'lt-e2eFORWARDkey0123456789';
const OPENAI_KEY = 'sk-oa-pool-OAPOOLSECRET7';
const CLAUDE_KEY = 'sk-ant-pool-ANTPOOLSECRET9';
const STEP = { timeout: 30000 };

/**
 * startAnthropic is a fake Messages API: it answers "claude says: LAST USER TEXT"
 * as JSON or as Anthropic's event stream (each event its own write), with usage.
 */
async function startAnthropic() {
  const state = { requests: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      state.requests.push({ path: req.url, headers: { ...req.headers }, body });
      if (req.url !== '/v1/messages' || req.headers['x-api-key'] !== CLAUDE_KEY) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}');
        return;
      }
      const last = [...body.messages].reverse().find((m) => m.role === 'user');
      const said = typeof last.content === 'string' ? last.content : last.content.map((p) => p.text || '').join('');
      const text = `claude says: ${said}`;
      const usage = { input_tokens: 12, output_tokens: 5 };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'msg_e2e1', type: 'message', role: 'assistant', model: body.model,
          content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [
        ['message_start', { type: 'message_start', message: { id: 'msg_e2e2', type: 'message', role: 'assistant', model: body.model,
          content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } }],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ...text.split(/(?<= )/).map((t) => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }]),
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }],
        ['message_stop', { type: 'message_stop' }],
      ];
      (async () => {
        for (const [name, data] of events) {
          res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        res.end();
      })();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return state;
}

describe('model gateway: translation and forward keys', () => {
  let oa;
  let claude;
  let serve;
  const dataDir = tempDir('llmtap-e2e-gwt-');

  before(async () => {
    oa = await startUpstream({ gzip: false });
    claude = await startAnthropic();
    const file = path.join(dataDir, 'providers.yaml');
    fs.writeFileSync(file, [
      'providers:',
      `  - { name: local, kind: openai, base_url: "${oa.url}/v1", keys: [${OPENAI_KEY}], models: [gpt-4o-mini] }`,
      `  - { name: claude, kind: anthropic, base_url: "${claude.url}", keys: [${CLAUDE_KEY}], models: ["claude-*"] }`,
      'forward_keys:',
      `  - { key: ${FORWARD_KEY}, name: e2e, rpm: 100 }`,
      '',
    ].join('\n'));
    serve = await startServe({ target: '', dataDir, args: ['--providers', file] });
  });

  after(async () => {
    serve?.kill();
    await oa?.close();
    await claude?.close();
    removeTempDirs(dataDir);
  });

  it('refuses a request without a forward key, in each client\'s dialect', STEP, async () => {
    const openai = new OpenAI({ apiKey: 'sk-not-a-forward-key', baseURL: `${serve.proxyURL}/v1`, maxRetries: 0 });
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (err) => err.status === 401 && /forward key/.test(err.message));
    const anthropic = new Anthropic({ apiKey: 'sk-ant-not-a-forward-key', baseURL: serve.proxyURL, maxRetries: 0 });
    await assert.rejects(anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
      (err) => err.status === 401 && err.error?.type === 'error');
    assert.equal(oa.requests.length + claude.requests.length, 0, 'refused requests reach no provider');
  });

  it('streams an Anthropic SDK message from an OpenAI-compatible provider', STEP, async () => {
    const anthropic = new Anthropic({ apiKey: FORWARD_KEY, baseURL: serve.proxyURL, maxRetries: 0 });
    const history = [{ role: 'user', content: 'Plan a day in Lisbon' }];
    const stream = anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 200, messages: history });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    assert.match(text, /Plan a day in Lisbon/);
    assert.equal(final.content[0].text, text);
    assert.equal(final.stop_reason, 'end_turn');
    history.push({ role: 'assistant', content: text }, { role: 'user', content: 'And lunch?' });
    const second = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 200, messages: history });
    assert.match(second.content[0].text, /And lunch\?/);
    assert.equal(oa.requests.at(-1).headers.authorization, `Bearer ${OPENAI_KEY}`);
  });

  it('answers the openai client from an Anthropic provider, streamed and not', STEP, async () => {
    const openai = new OpenAI({ apiKey: FORWARD_KEY, baseURL: `${serve.proxyURL}/v1`, maxRetries: 0 });
    const history = [{ role: 'user', content: 'Name a river' }];
    const first = await openai.chat.completions.create({ model: 'claude-e2e', messages: history });
    assert.equal(first.object, 'chat.completion');
    assert.equal(first.choices[0].message.content, 'claude says: Name a river');
    assert.equal(first.choices[0].finish_reason, 'stop');
    history.push(first.choices[0].message, { role: 'user', content: 'Another one' });
    const stream = await openai.chat.completions.create({ model: 'claude-e2e', messages: history, stream: true });
    let text = '';
    let finish = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'claude says: Another one');
    assert.equal(finish, 'stop');
    for (const r of claude.requests) assert.equal(r.headers['x-api-key'], CLAUDE_KEY);
  });

  it('captures each conversation once in the provider\'s dialect, naming the forward key', STEP, async () => {
    const status = await waitForCaptures(serve.uiURL, 6);
    assert.equal(status.exchanges, 6, 'two refusals and four answers');
    const ex = await getJSON(`${serve.uiURL}/api/exchanges?limit=50`);
    const answered = ex.items.filter((e) => e.status === 200);
    assert.deepEqual(answered.map((e) => e.path).sort(),
      ['/v1/chat/completions', '/v1/chat/completions', '/v1/messages', '/v1/messages']);
    assert.ok(answered.every((e) => e.forwardKey === 'e2e'), JSON.stringify(answered.map((e) => e.forwardKey)));
    const convs = await getJSON(`${serve.uiURL}/api/conversations?limit=50`);
    assert.equal(convs.total, 2, 'the Lisbon chat and the rivers chat');
    for (const c of convs.items) {
      const d = await getJSON(`${serve.uiURL}/api/conversations/${c.id}`);
      assert.equal(d.messages.length, 4, JSON.stringify(d.messages.map((m) => m.content)));
    }
    for (const secret of [FORWARD_KEY, OPENAI_KEY, CLAUDE_KEY]) {
      assert.deepEqual(findInDir(dataDir, secret.slice(-12)).filter((p) => !p.endsWith('providers.yaml')), [], secret);
    }
  });
});
