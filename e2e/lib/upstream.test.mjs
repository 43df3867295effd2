// Checks the fake upstream against the official openai client directly (no
// llmtap), so a failure in the end-to-end tests is not the fake's fault.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, fragments } from './upstream.mjs';
import { client, streamed, plain, WEATHER_TOOL, API_KEY } from './chat.mjs';

describe('fake upstream', () => {
  let up;
  let openai;
  before(async () => {
    up = await startUpstream();
    openai = client(`${up.url}/v1`);
  });
  after(async () => { await up?.close(); });

  it('answers non-stream with a numbered echo, gzipped, and records the key', async () => {
    const before = up.requests.length;
    const { message, finishReason, usage } = await plain(openai, {
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }],
    });
    assert.equal(message.content, `reply #${before + 1}: hello there`);
    assert.equal(finishReason, 'stop');
    assert.equal(usage.total_tokens, 17);
    const req = up.requests.at(-1);
    assert.equal(req.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(req.path, '/v1/chat/completions');
    assert.deepEqual(req.body.messages, [{ role: 'user', content: 'hello there' }]);
  });

  it('gzips JSON only when asked', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const gz = await fetch(`${up.url}/v1/chat/completions`, { method: 'POST', body, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal((await gz.json()).object, 'chat.completion'); // fetch decodes gzip
    const id = await fetch(`${up.url}/v1/chat/completions`, { method: 'POST', body, headers: { 'accept-encoding': 'identity' } });
    assert.equal(id.headers.get('content-encoding'), null);
  });

  it('streams content deltas, a finish chunk and a usage chunk', async () => {
    const n = up.requests.length + 1;
    const { message, finishReason, usage, chunks } = await streamed(openai, {
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count the words here' }],
    });
    assert.equal(message.content, `reply #${n}: count the words here`);
    assert.equal(finishReason, 'stop');
    assert.equal(usage.completion_tokens, 7);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content).length >= 3, 'content comes in several deltas');
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.equal(chunks.every((c) => c.object === 'chat.completion.chunk'), true);
  });

  it('sends raw SSE ending in [DONE] with no usage chunk unless asked', async () => {
    const res = await fetch(`${up.url}/v1/chat/completions`, {
      method: 'POST', body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    assert.equal(events.at(-1), 'data: [DONE]');
    const last = JSON.parse(events.at(-2).slice('data: '.length));
    assert.equal(last.choices[0].finish_reason, 'stop');
    assert.equal('usage' in last, false);
  });

  it('streams a get_weather call in fragments, then answers the tool result', async () => {
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const call = await streamed(openai, { model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    assert.equal(call.finishReason, 'tool_calls');
    assert.equal(call.message.content, null);
    assert.equal(call.message.tool_calls.length, 1);
    const tc = call.message.tool_calls[0];
    assert.equal(tc.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(tc.function.arguments), { city: 'Paris', unit: 'celsius' });
    const argDeltas = call.chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls || []).filter((d) => d.function?.arguments);
    assert.ok(argDeltas.length >= 3, `arguments arrive in ${argDeltas.length} fragments, want several`);

    messages.push(call.message, { role: 'tool', tool_call_id: tc.id, content: '21°C, sunny' });
    const answer = await streamed(openai, { model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    assert.equal(answer.message.content, 'The weather in Paris: 21°C, sunny');
    assert.equal(answer.finishReason, 'stop');
  });

  it('non-stream tool call carries the whole arguments', async () => {
    const { message, finishReason } = await plain(openai, {
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather in Oslo' }], tools: [WEATHER_TOOL],
    });
    assert.equal(finishReason, 'tool_calls');
    assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), { city: 'Oslo', unit: 'celsius' });
  });

  it('holds a stream after its first chunk until released', async () => {
    const gate = up.hold(5000);
    let sawFirstWhileHeld = false;
    await streamed(openai, { model: 'm', messages: [{ role: 'user', content: 'slow one' }] }, (chunk) => {
      if (chunk.choices[0]?.delta?.content && !sawFirstWhileHeld) { sawFirstWhileHeld = true; gate.release(); }
    });
    assert.equal(sawFirstWhileHeld, true);
    assert.equal(gate.timedOut, false);
  });

  it('answers unknown paths with 404 JSON', async () => {
    const res = await fetch(`${up.url}/v1/nope`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, 'unknown_url');
  });

  it('fragments splits text', () => {
    assert.deepEqual(fragments('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(fragments('', 4), ['']);
  });
});
