import { describe, expect, it } from 'vitest';
import { indent, parseTree, sseEvents, summary, tokenize, type JsonNode } from './jsontree';

// render writes a tree back out compactly from its raw leaves: it must give the input
// without its whitespace, byte for byte.
function render(n: JsonNode): string {
  if (n.kind === 'object') return `{${n.entries.map((e) => `${e.key}:${render(e.value)}`).join(',')}}`;
  if (n.kind === 'array') return `[${n.items.map(render).join(',')}]`;
  return n.raw;
}

describe('parseTree', () => {
  const exact: [string, string][] = [
    ['float_with_zero_fraction', '{"result": 13.0}'],
    ['exponent_and_negative', '[-0.50, 1E+2, 2e-3, 0]'],
    ['escapes_kept', '{"name": "caf\\u00e9 \\"quoted\\" \\\\ \\n"}'],
    ['duplicate_keys_kept_in_order', '{"b": 1, "a": 2, "b": 3}'],
    ['nested_and_empty', '{"x": [], "y": {}, "z": [[{"k": null}], true, false]}'],
    ['unicode_text', '{"text": "成都 美食 🍜"}'],
    ['big_integer_not_rounded', '{"id": 12345678901234567890}'],
  ];
  for (const [name, text] of exact) {
    it(name, () => {
      const tree = parseTree(text);
      expect(tree).not.toBeNull();
      expect(render(tree!)).toBe(text.replace(/\s(?=(?:[^"\\]|\\.|"(?:[^"\\]|\\.)*")*$)/g, ''));
    });
  }

  it('keeps 13.0 where JSON.parse would not', () => {
    const tree = parseTree('{"v":13.0}');
    expect(tree).toEqual({ kind: 'object', entries: [{ key: '"v"', value: { kind: 'number', raw: '13.0' } }] });
    expect(JSON.stringify(JSON.parse('{"v":13.0}'))).toBe('{"v":13}');
  });

  const invalid: [string, string][] = [
    ['empty', ''],
    ['trailing_comma', '[1,]'],
    ['two_values', '{} {}'],
    ['unterminated_string', '{"a": "b'],
    ['bare_word', '{"a": yes}'],
    ['missing_colon', '{"a" 1}'],
    ['control_char_in_string', '"a\nb"'],
    ['sse_text', 'data: {"a":1}\n\n'],
    ['too_deep', '['.repeat(600) + ']'.repeat(600)],
  ];
  for (const [name, text] of invalid) {
    it(`rejects ${name}`, () => expect(parseTree(text)).toBeNull());
  }
});

describe('tokenize', () => {
  it('gives positions into the raw text', () => {
    const text = ' {"a" : -1.50e3}';
    expect(tokenize(text)!.map((t) => [t.kind, text.slice(t.start, t.end)])).toEqual([
      ['punct', '{'],
      ['string', '"a"'],
      ['punct', ':'],
      ['number', '-1.50e3'],
      ['punct', '}'],
    ]);
  });
});

describe('summary', () => {
  it('counts', () => {
    expect(summary(parseTree('{"a":1}')!)).toBe('{1 key}');
    expect(summary(parseTree('[1,2]')!)).toBe('[2 items]');
    expect(summary(parseTree('13.0')!)).toBe('13.0');
  });
});

describe('sseEvents', () => {
  it('splits events, names and multi-line data', () => {
    const body = 'data: {"a":1}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\ndata: one\ndata: two\n\ndata: [DONE]\n\n';
    expect(sseEvents(body)).toEqual([
      { data: '{"a":1}' },
      { event: 'message_stop', data: '{"type":"message_stop"}' },
      { data: 'one\ntwo' },
      { data: '[DONE]' },
    ]);
  });
  it('handles CRLF', () => expect(sseEvents('data: x\r\n\r\ndata: y\r\n\r\n')).toEqual([{ data: 'x' }, { data: 'y' }]));
});

describe('indent', () => {
  it('lays out as JSON.stringify(v, null, 2) where numbers agree', () => {
    const text = '{"a":[1,{"b":null,"c":[]}],"d":{},"e":"x"}';
    expect(indent(parseTree(text)!)).toBe(JSON.stringify(JSON.parse(text), null, 2));
  });
  it('keeps leaves as captured', () => expect(indent(parseTree('{"v":13.0,"s":"\\u00e9"}')!)).toBe('{\n  "v": 13.0,\n  "s": "\\u00e9"\n}'));
});

describe('parseTree on random values', () => {
  // A seeded generator, so a failure repeats: every value JSON.stringify writes must come back
  // through the tree laid out exactly as JSON.stringify(v, null, 2) lays it out.
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const strings = ['', 'a', '成都', 'tab\there', 'quote"back\\slash', '\u0000\u001f', '🍜', 'line\nbreak'];
  function value(depth: number): unknown {
    const r = rand();
    if (depth > 4 || r < 0.3) return [null, true, false, 0, -1.5e-7, 123456789, 0.1][Math.floor(rand() * 7)];
    if (r < 0.5) return strings[Math.floor(rand() * strings.length)];
    if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [strings[i % strings.length] + i, value(depth + 1)]));
  }
  it('round-trips 500 values', () => {
    for (let i = 0; i < 500; i++) {
      const v = value(0);
      const text = JSON.stringify(v);
      const tree = parseTree(text);
      expect(tree, text).not.toBeNull();
      expect(indent(tree!)).toBe(JSON.stringify(v, null, 2));
    }
  });
});
