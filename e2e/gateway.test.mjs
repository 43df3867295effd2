// End to end: the model gateway (issue 13). The official openai client asks `llmtap
// serve --providers FILE` for a model by name; two fake providers serve it, the
// first one failing every request. The client still gets every answer, from the
// live provider and with its pool key, and the capture holds each conversation once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, getJSON, waitForCaptures, findInDir, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client, streamed, API_KEY } from './lib/chat.mjs';

const MODEL = 'gpt-4o-mini';
const POOL_KEY = 'sk-pool-live-POOLSECRET42';
const STEP = { timeout: 30000 };

/** startFailing answers every request with a 500, counting them. */
async function startFailing() {
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.hits++;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"fake outage","type":"server_error"}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return state;
}

describe('model gateway', () => {
  let live;
  let dead;
  let serve;
  let openai;
  const dataDir = tempDir('llmtap-e2e-gw-');

  before(async () => {
    live = await startUpstream({ gzip: false });
    dead = await startFailing();
    const file = path.join(dataDir, 'providers.yaml');
    fs.writeFileSync(file, [
      'providers:',
      `  - { name: dead, kind: openai, base_url: "${dead.url}/v1", keys: [sk-dead-key], models: [${MODEL}] }`,
      `  - { name: live, kind: openai, base_url: "${live.url}/v1", keys: ["\${E2E_POOL_KEY}"], models: [${MODEL}] }`,
      'models:',
      `  fast: { use: [${MODEL}] }`,
      'strategy: first-healthy',
      '',
    ].join('\n'));
    process.env.E2E_POOL_KEY = POOL_KEY;
    serve = await startServe({ target: '', dataDir, args: ['--providers', file] });
    openai = client(`${serve.proxyURL}/v1`);
  });

  after(async () => {
    serve?.kill();
    await live?.close();
    await dead?.close();
    removeTempDirs(dataDir);
  });

  it('lists the models and aliases on /v1/models', STEP, async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['fast', MODEL]);
  });

  it('answers a 2-turn chat through the live provider while the other fails', STEP, async () => {
    const history = [{ role: 'user', content: 'Plan a day in Porto' }];
    const { data, response } = await openai.chat.completions.create({ model: MODEL, messages: history }).withResponse();
    assert.equal(response.headers.get('x-llmtap-provider'), 'live');
    assert.match(data.choices[0].message.content, /Plan a day in Porto/);
    history.push({ role: 'assistant', content: data.choices[0].message.content }, { role: 'user', content: 'And dinner?' });
    const second = await openai.chat.completions.create({ model: 'fast', messages: history });
    assert.match(second.choices[0].message.content, /And dinner\?/);
    assert.equal(live.requests.at(-1).body.model, MODEL, 'the alias is sent as the real model');
  });

  it('streams through the gateway', STEP, async () => {
    const { message, finishReason } = await streamed(openai, { model: MODEL, messages: [{ role: 'user', content: 'Explain tides' }] });
    assert.match(message.content, /Explain tides/);
    assert.equal(finishReason, 'stop');
  });

  it('never sends the client key to a provider, and keeps the pool key out of the data folder', STEP, async () => {
    for (const r of live.requests) {
      assert.equal(r.headers.authorization, `Bearer ${POOL_KEY}`);
    }
    assert.ok(dead.hits >= 1, 'the failing provider was tried');
    await waitForCaptures(serve.uiURL, 3);
    assert.deepEqual(findInDir(dataDir, POOL_KEY.slice(-12)).filter((p) => !p.endsWith('providers.yaml')), []);
    assert.deepEqual(findInDir(dataDir, API_KEY.slice(-12)), []);
  });

  it('captures each conversation once, and reports the providers', STEP, async () => {
    const status = await waitForCaptures(serve.uiURL, 3);
    assert.equal(status.exchanges, 3, 'one exchange per client request, however many attempts');
    const convs = await getJSON(`${serve.uiURL}/api/conversations?limit=50`);
    assert.equal(convs.total, 2, 'the Porto chat and the tides chat');
    const p = await getJSON(`${serve.uiURL}/api/providers`);
    const byName = Object.fromEntries(p.providers.map((x) => [x.name, x]));
    assert.ok(byName.dead.counts.errors.server >= 1, JSON.stringify(byName.dead));
    assert.equal(byName.live.counts.requests, 3);
    const metrics = await (await fetch(`${serve.uiURL}/metrics`)).text();
    assert.match(metrics, /llmtap_gateway_requests_total\{provider="live",key="1"\} 3/);
  });
});
