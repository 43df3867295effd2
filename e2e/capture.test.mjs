// End to end: the openai client talks to a fake OpenAI upstream through `llmtap
// serve`; then the JSON API, `llmtap export` and the data folder are checked.
// Steps run in order and later ones read what earlier ones captured.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, runExport, getJSON, waitForCaptures, findInDir, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client, streamed, plain, WEATHER_TOOL, API_KEY, SECRET } from './lib/chat.mjs';
import { sharegptProblems, readJSONL, readJSONArray } from './lib/sharegpt.mjs';

const MODEL = 'gpt-4o-mini';
const SYSTEM = 'You are a terse travel assistant.';
const STEP = { timeout: 30000 };

describe('capture, API and export', () => {
  let up;
  let serve;
  let openai;
  const dataDir = tempDir('llmtap-e2e-data-');
  const outDir = tempDir('llmtap-e2e-out-');
  // What the client saw, per chat, to compare with what llmtap recorded.
  const chats = {};
  // Conversation IDs by title, from the list.
  const ids = {};

  before(async () => {
    up = await startUpstream();
    serve = await startServe({ target: up.url, dataDir });
    openai = client(`${serve.proxyURL}/v1`);
  });

  after(async () => {
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir, outDir);
  });

  it('relays a 3-request chat, non-stream', STEP, async () => {
    const history = [{ role: 'system', content: SYSTEM }];
    for (const q of ['Plan a day in Lisbon', 'What about food there?', 'And the budget?']) {
      history.push({ role: 'user', content: q });
      const n = up.requests.length + 1;
      const { message, finishReason } = await plain(openai, { model: MODEL, messages: history });
      assert.equal(message.content, `reply #${n}: ${q}`);
      assert.equal(finishReason, 'stop');
      history.push(message);
    }
    assert.equal(up.requests.at(-1).body.messages.length, 6, 'the last request resends the whole history');
    chats.plain = history;
  });

  it('relays a 2-turn chat, streamed, without buffering', STEP, async () => {
    const history = [];
    for (const [i, q] of ['Explain recursion briefly', 'Give an example in Go'].entries()) {
      history.push({ role: 'user', content: q });
      const n = up.requests.length + 1;
      // The upstream holds the first answer after its first content chunk until the
      // client has it: a proxy that buffers the stream would stall here.
      const gate = i === 0 ? up.hold(15000) : null;
      let firstChunkWhileHeld = false;
      const res = await streamed(openai, { model: MODEL, messages: history }, (chunk) => {
        if (gate && !firstChunkWhileHeld && chunk.choices[0]?.delta?.content) {
          firstChunkWhileHeld = true;
          gate.release();
        }
      });
      if (gate) {
        assert.equal(gate.timedOut, false,
          'the client got no content chunk while the upstream held the stream for 5 s: the proxy buffers SSE');
      }
      assert.equal(res.message.content, `reply #${n}: ${q}`);
      assert.equal(res.finishReason, 'stop');
      assert.equal(res.usage?.total_tokens, 10 * history.length + 7, 'the usage chunk reaches the client');
      history.push(res.message);
    }
    chats.stream = history;
  });

  it('relays a tool-call round trip, streamed', STEP, async () => {
    const history = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const call = await streamed(openai, { model: MODEL, messages: history, tools: [WEATHER_TOOL] });
    assert.equal(call.finishReason, 'tool_calls');
    const tc = call.message.tool_calls?.[0];
    assert.equal(tc?.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(tc.function.arguments), { city: 'Paris', unit: 'celsius' });
    history.push(call.message, { role: 'tool', tool_call_id: tc.id, content: '{"temp_c":21,"sky":"sunny"}' });
    const answer = await streamed(openai, { model: MODEL, messages: history, tools: [WEATHER_TOOL] });
    assert.equal(answer.message.content, 'The weather in Paris: {"temp_c":21,"sky":"sunny"}');
    history.push(answer.message);
    chats.tool = history;
  });

  it('relays a regeneration (the same history sent twice)', STEP, async () => {
    const history = [{ role: 'user', content: 'Write a haiku about autumn' }];
    history.push((await plain(openai, { model: MODEL, messages: history })).message);
    history.push({ role: 'user', content: 'Make it rhyme' });
    const first = await plain(openai, { model: MODEL, messages: history });
    const second = await plain(openai, { model: MODEL, messages: history });
    assert.notEqual(first.message.content, second.message.content);
    chats.regen = { history, first: first.message, second: second.message };
  });

  it('forwards the API key untouched', (t) => {
    const gz = up.requests.filter((r) => r.gzipped).length;
    t.diagnostic(`${gz} of ${up.requests.length} upstream answers were gzipped (accept-encoding: ${up.requests[0]?.headers['accept-encoding']})`);
    assert.equal(up.requests.length, 10, 'the upstream got one request per client call');
    for (const [i, r] of up.requests.entries()) {
      assert.equal(r.path, '/v1/chat/completions', `request ${i + 1} path`);
      assert.equal(r.headers.authorization, `Bearer ${API_KEY}`, `request ${i + 1} Authorization`);
    }
  });

  it('settles at 10 exchanges and 4 conversations', STEP, async () => {
    const status = await waitForCaptures(serve.uiURL, 10);
    assert.equal(status.exchanges, 10, `status ${JSON.stringify(status)}`);
    assert.equal(status.conversations, 4, `status ${JSON.stringify(status)}`);
    assert.equal(status.capturing, true);
    assert.equal(status.baseURL, `${serve.proxyURL}/v1`);
  });

  it('lists one conversation per chat', STEP, async () => {
    const list = await getJSON(`${serve.uiURL}/api/conversations`);
    assert.equal(list.total, 4, `conversations: ${JSON.stringify(list.items?.map((c) => c.title))}`);
    assert.equal(list.items.length, 4);
    const want = {
      'Plan a day in Lisbon': { rounds: 3, messageCount: 7 },
      'Explain recursion briefly': { rounds: 2, messageCount: 4 },
      'What is the weather in Paris?': { rounds: 2, messageCount: 4 },
      'Write a haiku about autumn': { rounds: 2, messageCount: 4 },
    };
    for (const [title, counts] of Object.entries(want)) {
      const c = list.items.find((it) => it.title === title);
      assert.ok(c, `no conversation titled ${JSON.stringify(title)} in ${JSON.stringify(list.items.map((i) => i.title))}`);
      assert.deepEqual({ rounds: c.rounds, messageCount: c.messageCount }, counts, `counts of ${title}`);
      assert.equal(c.status, 'unreviewed');
      assert.equal(c.model, MODEL);
      ids[title] = c.id;
    }
    // Newest activity first: the regeneration chat was the last one.
    assert.equal(list.items[0].title, 'Write a haiku about autumn');
  });

  it('rebuilds the multi-turn chat in order', STEP, async () => {
    const d = await getJSON(`${serve.uiURL}/api/conversations/${ids['Plan a day in Lisbon']}`);
    assert.deepEqual(d.messages.map((m) => [m.role, m.content]), chats.plain.map((m) => [m.role, m.content]));
    assert.equal(d.messages.at(-1).finishReason, 'stop');
    assert.ok(d.messages.every((m) => m.siblings === 1), 'no branches');
    // The system prompt (the "prelude") comes first with a negative id: it is kept once
    // per conversation, not as a tree node. The dialogue turns after it form a chain.
    const turns = d.messages.filter((m) => m.id > 0);
    assert.ok(d.messages.slice(0, d.messages.length - turns.length).every((m) => m.id < 0 && m.role === 'system'));
    for (let i = 1; i < turns.length; i++) {
      assert.equal(turns[i].parentId, turns[i - 1].id, `turn ${i} hangs off the one before`);
    }
    assert.equal(turns[0].parentId, null);
  });

  it('reassembles the streamed chat', STEP, async () => {
    const d = await getJSON(`${serve.uiURL}/api/conversations/${ids['Explain recursion briefly']}`);
    assert.deepEqual(d.messages.map((m) => [m.role, m.content]), chats.stream.map((m) => [m.role, m.content]));
  });

  it('keeps the tool call, its result and the tools', STEP, async () => {
    const d = await getJSON(`${serve.uiURL}/api/conversations/${ids['What is the weather in Paris?']}`);
    assert.deepEqual(d.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
    const sent = chats.tool[1].tool_calls[0];
    assert.equal(d.messages[1].toolCalls?.length, 1, `assistant message ${JSON.stringify(d.messages[1])}`);
    const tc = d.messages[1].toolCalls[0];
    assert.equal(tc.id, sent.id);
    assert.equal(tc.name, 'get_weather');
    assert.deepEqual(JSON.parse(tc.arguments), { city: 'Paris', unit: 'celsius' }, 'fragments joined');
    assert.equal(d.messages[2].toolCallId, sent.id);
    assert.equal(d.messages[2].content, chats.tool[2].content);
    assert.equal(d.messages[3].content, chats.tool[3].content);
    assert.equal(typeof d.tools, 'string');
    assert.equal(JSON.parse(d.tools)[0].function.name, 'get_weather');
  });

  it('keeps a regeneration as a branch of the same conversation', STEP, async () => {
    const d = await getJSON(`${serve.uiURL}/api/conversations/${ids['Write a haiku about autumn']}`);
    const { history, second } = chats.regen;
    // The chosen path ends in the newest answer; its sibling is the first answer.
    assert.deepEqual(d.messages.map((m) => [m.role, m.content]),
      [...history, second].map((m) => [m.role, m.content]));
    assert.equal(d.messages.at(-1).siblings, 2, 'the regenerated answer has the first answer as sibling');
    assert.ok(d.messages.slice(0, -1).every((m) => m.siblings === 1), 'only the last answer branches');
  });

  it('exports sharegpt-jsonl with every record valid', STEP, async () => {
    const out = path.join(outDir, 'all.jsonl');
    const res = await runExport({ dataDir, format: 'sharegpt-jsonl', out, args: ['--status', 'unreviewed'] });
    assertNoInvalid(res, out);
    const recs = readJSONL(out);
    assert.equal(recs.length, 4, `records: ${JSON.stringify(recs.map(firstHuman))}`);
    for (const rec of recs) assert.deepEqual(sharegptProblems(rec), [], `record ${JSON.stringify(rec)}`);

    const lisbon = byFirstHuman(recs, 'Plan a day in Lisbon');
    const mentionsSystem = lisbon.system === SYSTEM
      || lisbon.conversations[0].value.includes(SYSTEM);
    assert.ok(mentionsSystem, `the system prompt is kept, as a field or inline: ${JSON.stringify(lisbon)}`);
    const regen = byFirstHuman(recs, 'Write a haiku about autumn');
    assert.equal(regen.conversations.at(-1).value, chats.regen.second.content, 'the chosen branch is exported');
    assert.equal(res.written ?? recs.length, 4, `export output: ${res.stdout}${res.stderr}`);
  });

  it('exports sharegpt of the confirmed ones, system as a field', STEP, async () => {
    for (const title of ['Plan a day in Lisbon', 'What is the weather in Paris?']) {
      const r = await fetch(`${serve.uiURL}/api/conversations/${ids[title]}/status`, {
        method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'confirmed' }),
      });
      assert.equal(r.status, 204, `PUT status of ${title}: ${await r.text()}`);
    }
    const out = path.join(outDir, 'confirmed.json');
    const res = await runExport({ dataDir, format: 'sharegpt', out, args: ['--status', 'confirmed', '--system', 'field'] });
    assertNoInvalid(res, out);
    const recs = readJSONArray(out);
    assert.equal(recs.length, 2, `records: ${JSON.stringify(recs.map(firstHuman))}`);
    for (const rec of recs) assert.deepEqual(sharegptProblems(rec), [], `record ${JSON.stringify(rec)}`);

    const lisbon = byFirstHuman(recs, 'Plan a day in Lisbon');
    assert.equal(lisbon.system, SYSTEM);
    assert.deepEqual(lisbon.conversations, chats.plain.slice(1).map((m) => ({
      from: m.role === 'user' ? 'human' : 'gpt', value: m.content,
    })));

    const weather = byFirstHuman(recs, 'What is the weather in Paris?');
    assert.deepEqual(weather.conversations.map((t) => t.from), ['human', 'function_call', 'observation', 'gpt']);
    assert.deepEqual(JSON.parse(weather.conversations[1].value),
      { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } });
    assert.equal(weather.conversations[2].value, '{"temp_c":21,"sky":"sunny"}');
    assert.equal(weather.conversations[3].value, chats.tool[3].content);
    assert.equal(typeof weather.tools, 'string');
    assert.match(weather.tools, /get_weather/);
  });

  it('exports openai-jsonl and messages-jsonl of the confirmed ones, tools in OpenAI\'s schema', STEP, async () => {
    const weatherCall = { city: 'Paris', unit: 'celsius' };
    for (const format of ['openai-jsonl', 'messages-jsonl']) {
      const out = path.join(outDir, `confirmed-${format}.jsonl`);
      const res = await runExport({ dataDir, format, out, args: ['--status', 'confirmed'] });
      assertNoInvalid(res, out);
      const recs = readJSONL(out);
      assert.equal(recs.length, 2, `${format} records: ${JSON.stringify(recs)}`);
      const weather = recs.find((r) => r.messages.some((m) => m.content === 'What is the weather in Paris?'));
      assert.ok(weather, `${format}: the tool chat is exported`);
      assert.deepEqual(weather.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
      const call = weather.messages[1].tool_calls[0];
      assert.equal(typeof call.function.arguments, 'string', 'arguments as a JSON string');
      assert.deepEqual(JSON.parse(call.function.arguments), weatherCall);
      assert.equal(weather.messages[2].tool_call_id, call.id, 'the result answers the call');
      const tools = format === 'openai-jsonl' ? weather.tools : JSON.parse(weather.tools);
      assert.equal(tools[0].type, 'function');
      assert.equal(tools[0].function.name, 'get_weather');
      assert.equal(typeof tools[0].function.parameters.properties, 'object', 'parameters.properties, as trainers read them');
      if (format === 'messages-jsonl') {
        assert.match(fs.readFileSync(`${out}.axolotl.yaml`, 'utf8'), /type: chat_template/);
        assert.equal(JSON.parse(fs.readFileSync(`${out}.dataset_info.json`, 'utf8'))[`confirmed-${format}`].columns.messages, 'messages');
      }
    }
  });

  it('never writes the API key to disk', async () => {
    assert.deepEqual(findInDir(dataDir, SECRET), [], 'files in the data folder that hold the key');
    assert.deepEqual(findInDir(outDir, SECRET), [], 'export files that hold the key');
    // Bodies are stored compressed, out of a grep's sight: read each exchange back.
    const list = await getJSON(`${serve.uiURL}/api/exchanges?limit=500`);
    assert.ok(list.items.length > 0);
    for (const { id } of list.items) {
      const text = JSON.stringify(await getJSON(`${serve.uiURL}/api/exchanges/${id}`));
      assert.ok(!text.includes(SECRET), `exchange ${id} as stored holds the key`);
    }
  });

  it('drains captures and exits 0 on SIGTERM', STEP, async () => {
    // Captured right before the signal: it must still be saved.
    const q = 'Last words before shutdown';
    await plain(openai, { model: MODEL, messages: [{ role: 'user', content: q }] });
    const { code, signal } = await serve.stop('SIGTERM');
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, serve.describe());
    assert.doesNotMatch(serve.stderr(), /panic|level=(ERROR|WARN)|DATA RACE/, serve.describe());

    const out = path.join(outDir, 'after-stop.jsonl');
    const res = await runExport({ dataDir, format: 'sharegpt-jsonl', out, args: ['--status', 'unreviewed'] });
    assertNoInvalid(res, out);
    const recs = readJSONL(out);
    assert.ok(recs.some((r) => firstHuman(r) === q), `the last chat was not saved: ${JSON.stringify(recs.map(firstHuman))}`);
    assert.deepEqual(findInDir(dataDir, SECRET), [], 'files in the data folder that hold the key after shutdown');
  });
});

function firstHuman(rec) {
  return rec.conversations?.find((t) => t.from === 'human')?.value;
}

function byFirstHuman(recs, text) {
  const rec = recs.find((r) => firstHuman(r) === text || firstHuman(r)?.endsWith(`\n${text}`));
  assert.ok(rec, `no record starting with ${JSON.stringify(text)} in ${JSON.stringify(recs.map(firstHuman))}`);
  return rec;
}

// assertNoInvalid checks export's own count and the FILE.invalid.jsonl side file.
function assertNoInvalid(res, out) {
  const printed = `${res.stdout}${res.stderr}`;
  assert.equal(res.invalid, 0, `export should say 0 invalid; it printed: ${JSON.stringify(printed)}`);
  const side = `${out}.invalid.jsonl`;
  if (fs.existsSync(side)) assert.equal(fs.readFileSync(side, 'utf8').trim(), '', `${side} has records`);
}
