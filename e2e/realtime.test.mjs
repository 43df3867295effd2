// End to end: the official openai client's Realtime WebSocket (OpenAIRealtimeWS, on the
// `ws` package) talks to a fake Realtime upstream through `llmtap serve`. Both ends
// compress every message with permessage-deflate and keep their compression context
// across messages (ws's default), so llmtap must read messages that refer back into
// earlier ones. The session must come out as one conversation, and in the ShareGPT
// export.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { startServe, runExport, getJSON, waitForCaptures, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client, API_KEY } from './lib/chat.mjs';
import { readJSONArray, sharegptProblems } from './lib/sharegpt.mjs';

const MODEL = 'gpt-realtime';
const INSTRUCTIONS = 'You are a terse guide to Lisbon.';
const STEP = { timeout: 30000 };
// Every message compressed, however short: the context is then shared by all of them.
const DEFLATE = { threshold: 0 };

/**
 * startRealtimeUpstream is a WebSocket server speaking the GA Realtime API's text
 * events: it answers each response.create with "reply N: <the user's text>",
 * streamed as output_text deltas and closed by response.done.
 */
async function startRealtimeUpstream() {
  const handshakes = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: DEFLATE });
  wss.on('connection', (sock, req) => {
    handshakes.push({ path: req.url, headers: { ...req.headers } });
    let n = 0;
    let last = null;
    let lastUser = '';
    let ev = 0;
    const send = (o) => sock.send(JSON.stringify({ event_id: `event_${++ev}`, ...o }));
    send({ type: 'session.created', session: { type: 'realtime', id: 'sess_1', model: MODEL, instructions: 'Default instructions.' } });
    sock.on('message', (data) => {
      const e = JSON.parse(data.toString());
      switch (e.type) {
        case 'session.update':
          send({ type: 'session.updated', session: { type: 'realtime', id: 'sess_1', model: MODEL, ...e.session } });
          break;
        case 'conversation.item.create': {
          const item = { id: `item_user_${n + 1}`, object: 'realtime.conversation.item', status: 'completed', ...e.item };
          lastUser = item.content.map((c) => c.text).join('');
          send({ type: 'conversation.item.added', previous_item_id: last, item });
          send({ type: 'conversation.item.done', previous_item_id: last, item });
          last = item.id;
          break;
        }
        case 'response.create': {
          n++;
          const id = `item_assistant_${n}`;
          const text = `reply ${n}: ${lastUser}`;
          const done = { id, object: 'realtime.conversation.item', type: 'message', status: 'completed', role: 'assistant',
            content: [{ type: 'output_text', text }] };
          send({ type: 'response.created', response: { id: `resp_${n}`, object: 'realtime.response', status: 'in_progress', output: [] } });
          send({ type: 'conversation.item.added', previous_item_id: last,
            item: { ...done, status: 'in_progress', content: [] } });
          for (const part of [text.slice(0, 6), text.slice(6)]) {
            send({ type: 'response.output_text.delta', response_id: `resp_${n}`, item_id: id, output_index: 0, content_index: 0, delta: part });
          }
          send({ type: 'response.output_text.done', response_id: `resp_${n}`, item_id: id, output_index: 0, content_index: 0, text });
          send({ type: 'response.output_item.done', response_id: `resp_${n}`, output_index: 0, item: done });
          send({ type: 'conversation.item.done', previous_item_id: last, item: done });
          send({ type: 'response.done', response: { id: `resp_${n}`, object: 'realtime.response', status: 'completed', output: [done],
            usage: { total_tokens: 30, input_tokens: 20, output_tokens: 10 } } });
          last = id;
          break;
        }
      }
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address();
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes,
    close: () => new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

describe('Realtime API session', () => {
  let up;
  let serve;
  const dataDir = tempDir('llmtap-e2e-data-');
  const outDir = tempDir('llmtap-e2e-out-');
  const replies = [];

  before(async () => {
    up = await startRealtimeUpstream();
    serve = await startServe({ target: up.url, dataDir });
  });

  after(async () => {
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir, outDir);
  });

  it('relays a two-turn session from the official client, compressed both ways', STEP, async () => {
    const openai = client(`${serve.proxyURL}/v1`);
    const rt = new OpenAIRealtimeWS({
      model: MODEL,
      // The client always says wss://; llmtap's base URL is plain HTTP on loopback.
      options: { perMessageDeflate: DEFLATE, createConnection: (opts) => net.connect({ host: opts.host, port: opts.port }) },
    }, openai);
    const events = [];
    rt.on('event', (e) => events.push(e.type));
    const errors = [];
    rt.on('error', (err) => errors.push(err));
    await new Promise((resolve, reject) => {
      rt.socket.once('open', resolve);
      rt.socket.once('error', reject);
    });
    assert.equal(rt.socket.extensions.includes('permessage-deflate'), true, `extensions: ${rt.socket.extensions}`);
    rt.send({ type: 'session.update', session: { type: 'realtime', instructions: INSTRUCTIONS, output_modalities: ['text'] } });
    for (const question of ['Where should I have breakfast?', 'And after that?']) {
      rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] } });
      rt.send({ type: 'response.create' });
      const done = await new Promise((resolve) => rt.once('response.done', resolve));
      replies.push(done.response.output[0].content[0].text);
    }
    rt.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(replies, ['reply 1: Where should I have breakfast?', 'reply 2: And after that?']);
    assert.equal(up.handshakes.length, 1);
    assert.equal(up.handshakes[0].path, `/v1/realtime?model=${MODEL}`);
    assert.equal(up.handshakes[0].headers.authorization, `Bearer ${API_KEY}`, 'the key reaches the upstream');
  });

  it('records the session as one conversation', STEP, async () => {
    await waitForCaptures(serve.uiURL, 1);
    const page = await getJSON(`${serve.uiURL}/api/conversations`);
    assert.equal(page.total, 1, JSON.stringify(page.items));
    assert.equal(page.items[0].model, MODEL);
    const detail = await getJSON(`${serve.uiURL}/api/conversations/${page.items[0].id}`);
    assert.deepEqual(detail.messages.map((m) => [m.role, m.content]), [
      ['system', INSTRUCTIONS],
      ['user', 'Where should I have breakfast?'],
      ['assistant', replies[0]],
      ['user', 'And after that?'],
      ['assistant', replies[1]],
    ]);
    const log = await getJSON(`${serve.uiURL}/api/exchanges`);
    const ex = log.items[0];
    assert.equal(ex.status, 101);
    assert.equal(ex.dialect, 'openai-realtime');
  });

  it('exports it as ShareGPT', STEP, async () => {
    const out = path.join(outDir, 'realtime.json');
    const res = await runExport({ dataDir, format: 'sharegpt', out, args: ['--status', 'unreviewed', '--system', 'field'] });
    assert.equal(res.written, 1, res.stdout + res.stderr);
    const records = readJSONArray(out);
    assert.equal(records.length, 1);
    assert.deepEqual(sharegptProblems(records[0]), []);
    assert.equal(records[0].system, INSTRUCTIONS);
    assert.deepEqual(records[0].conversations.map((t) => t.value), [
      'Where should I have breakfast?', replies[0], 'And after that?', replies[1],
    ]);
  });
});
