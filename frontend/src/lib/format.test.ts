import { describe, expect, it } from 'vitest';
import { chipText, compact, countsText, exchangeOutcome, countJSONArray, curlExample, duration, plural, prettyJSON, preview, roleLabel, toolNames, unusualFinish } from './format';
import type { Message } from './types';

describe('roleLabel', () => {
  const tests = [
    { name: 'assistant', role: 'assistant', tool: undefined, want: 'Assistant' },
    { name: 'tool_with_name', role: 'tool', tool: 'get_weather', want: 'Tool · get_weather' },
    { name: 'system', role: 'system', tool: undefined, want: 'System' },
  ] as const;
  for (const tt of tests) {
    it(tt.name, () => expect(roleLabel(tt.role, tt.tool)).toBe(tt.want));
  }
});

describe('plural', () => {
  const tests = [
    { name: 'one', n: 1, want: '1 round' },
    { name: 'zero', n: 0, want: '0 rounds' },
    { name: 'thousands', n: 1204, want: '1,204 rounds' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(plural(tt.n, 'round')).toBe(tt.want));
  }
});

describe('prettyJSON', () => {
  const tests = [
    { name: 'object', in: '{"city":"Paris","days":[1,2]}', want: { text: '{\n  "city": "Paris",\n  "days": [\n    1,\n    2\n  ]\n}', json: true } },
    { name: 'array_with_spaces', in: '  [1] ', want: { text: '[\n  1\n]', json: true } },
    { name: 'truncated', in: '{"city": "Par', want: { text: '{"city": "Par', json: false } },
    { name: 'plain_text', in: 'It is 21°C in Paris.', want: { text: 'It is 21°C in Paris.', json: false } },
    { name: 'float_kept_as_captured', in: '{"t":13.0}', want: { text: '{\n  "t": 13.0\n}', json: true } },
    { name: 'bare_number', in: '42', want: { text: '42', json: false } },
    { name: 'empty', in: '', want: { text: '', json: false } },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(prettyJSON(tt.in)).toEqual(tt.want));
  }
});

describe('countJSONArray', () => {
  const tests = [
    { name: 'two_tools', in: '[{"type":"function"},{"type":"function"}]', want: 2 },
    { name: 'missing', in: undefined, want: 0 },
    { name: 'object', in: '{}', want: 0 },
    { name: 'invalid', in: '[', want: 0 },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(countJSONArray(tt.in)).toBe(tt.want));
  }
});

describe('toolNames', () => {
  it('maps_ids_to_names', () => {
    const base = { parentId: null, content: '', createdAt: '', siblings: 1 };
    const msgs: Message[] = [
      { ...base, id: 1, role: 'assistant', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{}' }, { name: 'no_id', arguments: '' }] },
      { ...base, id: 2, role: 'tool', toolCallId: 'call_1', content: '21°C' },
    ];
    expect([...toolNames(msgs)]).toEqual([['call_1', 'get_weather']]);
  });
});

describe('curlExample', () => {
  it('trailing_slash', () => {
    const got = curlExample('http://127.0.0.1:8780/v1/');
    expect(got.split('\n')[0]).toBe('curl http://127.0.0.1:8780/v1/chat/completions \\');
  });
});

describe('preview', () => {
  const tests = [
    { name: 'first_line', in: '\n  You are helpful.\nBe brief.', max: 80, want: 'You are helpful.' },
    { name: 'cut', in: 'abcdefghij', max: 5, want: 'abcd…' },
    { name: 'exact', in: 'abcde', max: 5, want: 'abcde' },
    { name: 'empty', in: '', max: 5, want: '' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(preview(tt.in, tt.max)).toBe(tt.want));
  }
});

describe('unusualFinish', () => {
  const tests = [
    { name: 'openai_stop', in: 'stop', want: false },
    { name: 'openai_tool_calls', in: 'tool_calls', want: false },
    { name: 'anthropic_end_turn', in: 'end_turn', want: false },
    { name: 'gemini_stop', in: 'STOP', want: false },
    { name: 'length', in: 'length', want: true },
    { name: 'max_tokens', in: 'max_tokens', want: true },
    { name: 'content_filter', in: 'content_filter', want: true },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(unusualFinish(tt.in)).toBe(tt.want));
  }
});

describe('compact', () => {
  const tests = [
    { name: 'small', in: 950, want: '950' },
    { name: 'thousands', in: 12_345, want: '12.3k' },
    { name: 'round_thousand', in: 2000, want: '2k' },
    { name: 'hundreds_of_k', in: 456_789, want: '457k' },
    { name: 'millions', in: 4_500_000, want: '4.5M' },
  ];
  for (const tt of tests) it(tt.name, () => expect(compact(tt.in)).toBe(tt.want));
});

describe('duration', () => {
  const tests = [
    { name: 'ms', in: 850, want: '850 ms' },
    { name: 'seconds', in: 1234, want: '1.2 s' },
    { name: 'minutes', in: 125_000, want: '2 min 5 s' },
  ];
  for (const tt of tests) it(tt.name, () => expect(duration(tt.in)).toBe(tt.want));
});

describe('chipText', () => {
  const tests = [
    { name: 'dark_bg', in: '#0a64d6', want: '#fff' },
    { name: 'light_bg', in: '#fff8c5', want: '#000' },
    { name: 'short_hex', in: '#ff0', want: '#000' },
    { name: 'not_hex', in: 'red', want: '#fff' },
  ];
  for (const tt of tests) it(tt.name, () => expect(chipText(tt.in)).toBe(tt.want));
});

describe('exchangeOutcome', () => {
  it.each([
    ['chat', { status: 200, aborted: false, dialect: 'openai-chat' }, '200 · chat', false],
    ['models_list', { status: 200, aborted: false }, '200 · kept as exchange', false],
    ['rate_limited', { status: 429, aborted: false, dialect: 'openai-chat', parseError: 'upstream answered 429' }, '429', true],
    ['aborted', { status: 200, aborted: true, dialect: 'openai-chat' }, 'client hung up', true],
    ['unreachable', { status: 0, aborted: false, error: 'dial tcp: refused' }, 'failed', true],
    ['cut_stream', { status: 200, aborted: false, dialect: 'anthropic', parseError: 'stream ended' }, '200 · not a training turn', true],
  ])('%s', (_name, e, label, problem) => {
    expect(exchangeOutcome(e)).toEqual({ label, problem });
  });
});

describe('countsText', () => {
  const tests: { name: string; in: Record<string, number> | undefined; want: string }[] = [
    { name: 'none', in: undefined, want: '' },
    { name: 'rules_in_order', in: { newest: 1, continued: 2, client_edit: 1 }, want: 'client edit 1, continued 2, newest 1' },
    { name: 'fixes_by_name', in: { cut: 2, 'joined consecutive answers': 1 }, want: 'cut 2, joined consecutive answers 1' },
    { name: 'zero_left_out', in: { preferred: 0, reviewer_edit: 3 }, want: 'reviewer edit 3' },
    { name: 'thumbs_after_preferred', in: { newest: 1, thumbs: 2, preferred: 1 }, want: 'preferred 1, thumbs 2, newest 1' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(countsText(tt.in)).toBe(tt.want));
  }
});
