// The trainers' rules of trainers.mjs refuse what their trainers refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkerOf } from './trainers.mjs';

const h = (value) => ({ from: 'human', value });
const g = (value) => ({ from: 'gpt', value });

test('trainer rules', () => {
  const cases = [
    { format: 'sharegpt', rec: { conversations: [h('hi'), g('hello')] }, ok: true },
    { format: 'sharegpt', rec: { conversations: [h('hi'), h('again'), g('hello'), g('x')] }, ok: false },
    { format: 'sharegpt', rec: { conversations: [h('<image>what?'), g('a pixel')], images: [] }, ok: false },
    { format: 'kto', rec: { conversations: [h('hi'), g('hello')], kto_tag: 'true' }, ok: false },
    { format: 'kto', rec: { conversations: [h('hi'), g('hello')], kto_tag: false }, ok: true },
    { format: 'dpo', rec: { conversations: [h('hi')], chosen: g('a'), rejected: g('b') }, ok: true },
    { format: 'dpo', rec: { conversations: [h('hi'), g('x')], chosen: g('a'), rejected: g('b') }, ok: false },
    { format: 'dpo', rec: { conversations: [h('hi')], chosen: g('a'), rejected: g('a') }, ok: false },
    { format: 'alpaca', rec: { instruction: 'q', input: '', output: 'a', history: [['q0', 'a0']] }, ok: true },
    { format: 'alpaca', rec: { instruction: 'q', input: '', output: '', history: [] }, ok: false },
    { format: 'openai-jsonl', rec: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', weight: 0 }] }, ok: true },
    { format: 'openai-jsonl', rec: { messages: [{ role: 'user', content: 'q', weight: 1 }, { role: 'assistant', content: 'a' }] }, ok: false },
    { format: 'openai-jsonl', rec: { messages: [{ role: 'user', content: 'q' }, { role: 'tool', tool_call_id: 'c1', content: '1' }, { role: 'assistant', content: 'a' }] }, ok: false },
    {
      format: 'openai-jsonl',
      rec: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] }] },
      ok: false,
    },
    { format: 'openai-dpo', rec: { input: { messages: [{ role: 'user', content: 'q' }] }, preferred_output: [{ role: 'assistant', content: 'a' }], non_preferred_output: [{ role: 'assistant', content: 'b' }] }, ok: true },
    { format: 'openai-dpo', rec: { input: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'x' }] }, preferred_output: [{ role: 'assistant', content: 'a' }], non_preferred_output: [{ role: 'assistant', content: 'b' }] }, ok: false },
    { format: 'messages-jsonl', rec: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', train: false }], tools: '[]' }, ok: true },
    { format: 'messages-jsonl', rec: { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], tools: [] }, ok: false },
    { format: 'preference-jsonl', rec: { prompt: [{ role: 'user', content: 'q' }], chosen: [{ role: 'assistant', content: 'a' }], rejected: [{ role: 'assistant', content: 'b' }] }, ok: true },
    { format: 'preference-jsonl', rec: { prompt: [{ role: 'user', content: 'q' }], chosen: { role: 'assistant', content: 'a' }, rejected: [{ role: 'assistant', content: 'b' }] }, ok: false },
  ];
  for (const [i, c] of cases.entries()) {
    const problems = checkerOf[c.format](c.rec);
    assert.equal(problems.length === 0, c.ok, `case ${i + 1} (${c.format}): ${JSON.stringify(problems)}`);
  }
});
