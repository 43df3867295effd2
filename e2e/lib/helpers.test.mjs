// Unit checks of the pure helpers the end-to-end tests rely on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseBanner, parseExportCounts, findInDir, tempDir } from './llmtap.mjs';
import { sharegptProblems } from './sharegpt.mjs';
import { singleClicks } from './desktop.mjs';

describe('parseBanner', () => {
  it('finds both addresses', () => {
    const out = 'llmtap 0.1.0\n  proxy:     http://127.0.0.1:40001\n  ui:        http://127.0.0.1:40002\n  data:      /tmp/x\n';
    assert.deepEqual(parseBanner(out), { proxy: 'http://127.0.0.1:40001', ui: 'http://127.0.0.1:40002' });
  });
  it('waits for a partial banner', () => {
    assert.deepEqual(parseBanner('  proxy:     http://127.0.0.1:40001\n'), { proxy: 'http://127.0.0.1:40001', ui: undefined });
  });
  it('drops a trailing path', () => {
    assert.equal(parseBanner('  ui:  http://127.0.0.1:5/\n').ui, 'http://127.0.0.1:5');
  });
});

describe('parseExportCounts', () => {
  const cases = [
    ['wrote 4 records (0 invalid)', 4, 0],
    ['4 written, 1 invalid', 4, 1],
    ['exported: 3\ninvalid: 2', 3, 2],
    ['4 conversations exported, 0 invalid -> out.invalid.jsonl', 4, 0],
    ['wrote 4 conversations to /tmp/a1/all.jsonl (sharegpt-jsonl)\n0 invalid\n', 4, 0],
    ['wrote 3 conversations to /tmp/x.json (sharegpt)\n2 invalid: not exported; see /tmp/x.json.invalid.jsonl', 3, 2],
  ];
  for (const [text, written, invalid] of cases) {
    it(text.replace(/\W+/g, '_'), () => assert.deepEqual(parseExportCounts(text), { written, invalid }));
  }
});

describe('sharegptProblems', () => {
  const good = {
    conversations: [
      { from: 'human', value: 'weather in Paris?' },
      { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"Paris"}}' },
      { from: 'observation', value: '21C' },
      { from: 'gpt', value: 'It is 21C.' },
    ],
    system: 'be brief',
    tools: '[{"name":"get_weather","parameters":{}}]',
  };
  it('accepts_a_tool_round_trip', () => assert.deepEqual(sharegptProblems(good), []));
  it('accepts_a_leading_system_turn', () => {
    assert.deepEqual(sharegptProblems({ conversations: [{ from: 'system', value: 's' }, ...good.conversations] }), []);
  });
  const bad = [
    ['odd_count', { conversations: good.conversations.slice(0, 3) }, /odd number/],
    ['gpt_first', { conversations: [{ from: 'gpt', value: 'a' }, { from: 'human', value: 'b' }] }, /turn 1 from is "gpt"/],
    ['openai_roles', { conversations: [{ from: 'user', value: 'a' }, { from: 'assistant', value: 'b' }] }, /want one of human\|observation/],
    ['arguments_as_string', { conversations: [{ from: 'human', value: 'a' },
      { from: 'function_call', value: '{"name":"f","arguments":"{\\"a\\":1}"}' }] }, /arguments is not a JSON object/],
    ['function_call_not_json', { conversations: [{ from: 'human', value: 'a' }, { from: 'function_call', value: 'f(1)' }] }, /not JSON/],
    ['tools_as_array', { ...good, tools: [{ name: 'f' }] }, /tools is object, want a JSON string/],
    ['extra_key', { conversations: [{ from: 'human', value: 'a', role: 'user' }, { from: 'gpt', value: 'b' }] }, /keys from,role,value/],
    ['value_not_string', { conversations: [{ from: 'human', value: 1 }, { from: 'gpt', value: 'b' }] }, /value is number/],
    ['empty', { conversations: [] }, /no turns/],
  ];
  for (const [name, rec, want] of bad) {
    it(`rejects_${name}`, () => {
      const got = sharegptProblems(rec);
      assert.ok(got.some((p) => want.test(p)), `got ${JSON.stringify(got)}, want a match for ${want}`);
    });
  }
});

describe('findInDir', () => {
  it('finds_bytes_in_nested_binary_files', (t) => {
    const dir = tempDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'llmtap.db-wal'), Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from('xSECRET123456y')]));
    fs.writeFileSync(path.join(dir, 'clean.db'), Buffer.from([0, 83, 69, 67]));
    assert.deepEqual(findInDir(dir, 'SECRET123456'), [path.join(dir, 'sub', 'llmtap.db-wal')]);
  });
});

describe('singleClicks', () => {
  // A pointer that notes each call, and a clock that moves only when slept on: what
  // singleClicks waits is exact, however busy the machine running the test.
  const rig = () => {
    const calls = [];
    const waits = [];
    let t = 1000;
    const clock = { now: () => t, sleep: async (ms) => { waits.push(ms); t += ms; } };
    const note = (what) => async () => { calls.push(what); };
    const pointer = { move: note('move'), down: note('down'), up: note('up'), keys: note('keys') };
    return { calls, waits, clock, pointer, pause: (ms) => { t += ms; } };
  };
  const MS = 450;
  const cases = [
    // [name, steps (a pause in ms, or a call), the waits wanted before presses]
    ['first_press_at_once', ['move', 'down', 'up'], []],
    ['click_then_press_at_once', ['down', 'up', 'move', 'down'], [MS]],
    ['press_after_part_of_the_time', ['down', 'up', 200, 'move', 'down'], [MS - 200]],
    ['press_after_the_whole_time', ['down', 'up', MS, 'down'], []],
    ['three_quick_presses', ['down', 'up', 'down', 'up', 'down'], [MS, MS]],
    ['other_calls_never_wait', ['down', 'move', 'up', 'keys', 'move'], []],
  ];
  for (const [name, steps, want] of cases) {
    it(name, async () => {
      const { calls, waits, clock, pointer, pause } = rig();
      const p = singleClicks(pointer, MS, clock);
      for (const s of steps) {
        if (typeof s === 'number') pause(s);
        else await p[s]();
      }
      assert.deepEqual(calls, steps.filter((s) => typeof s === 'string'));
      assert.deepEqual(waits, want);
    });
  }
});
