// A JSON tree built from the raw text of a body, for display: every leaf keeps the exact
// bytes it was captured as (a 13.0 stays 13.0, "\u00e9" stays escaped, keys keep their order
// and duplicates), which JSON.parse and JSON.stringify would not.

/** JsonToken is one lexical token of JSON text: its kind and where it is. */
export interface JsonToken {
  kind: 'punct' | 'string' | 'number' | 'literal';
  start: number;
  end: number;
}

/** JsonNode is a value of the tree; leaves carry their raw text. */
export type JsonNode =
  | { kind: 'object'; entries: { key: string; value: JsonNode }[] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string' | 'number' | 'literal'; raw: string };

const numberRe = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const literalRe = /true|false|null/y;
const maxDepth = 512;

/**
 * tokenize splits JSON text into tokens, skipping whitespace. It returns null at the first
 * character no JSON token starts with, or an unterminated string.
 */
export function tokenize(text: string): JsonToken[] | null {
  const out: JsonToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
    } else if ('{}[]:,'.includes(text[i])) {
      out.push({ kind: 'punct', start: i, end: i + 1 });
      i++;
    } else if (c === 0x22) {
      let j = i + 1;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j++;
        else if (d === 0x22) break;
        else if (d < 0x20) return null;
      }
      if (j >= text.length) return null;
      out.push({ kind: 'string', start: i, end: j + 1 });
      i = j + 1;
    } else {
      const re = c === 0x2d || (c >= 0x30 && c <= 0x39) ? numberRe : literalRe;
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m) return null;
      out.push({ kind: re === numberRe ? 'number' : 'literal', start: i, end: i + m[0].length });
      i += m[0].length;
    }
  }
  return out;
}

/**
 * parseTree builds the tree of one JSON value from text, or returns null when the text is not
 * exactly one JSON value (or nests deeper than 512).
 */
export function parseTree(text: string): JsonNode | null {
  const toks = tokenize(text);
  if (!toks || toks.length === 0) return null;
  let p = 0;
  const raw = (t: JsonToken) => text.slice(t.start, t.end);
  const isPunct = (t: JsonToken | undefined, ch: string) => t !== undefined && t.kind === 'punct' && text[t.start] === ch;

  function value(depth: number): JsonNode | null {
    const t = toks![p++];
    if (!t || depth > maxDepth) return null;
    if (t.kind !== 'punct') return { kind: t.kind, raw: raw(t) };
    const ch = text[t.start];
    if (ch === '{') {
      const entries: { key: string; value: JsonNode }[] = [];
      if (isPunct(toks![p], '}')) return p++, { kind: 'object', entries };
      for (;;) {
        const k = toks![p++];
        if (!k || k.kind !== 'string' || !isPunct(toks![p++], ':')) return null;
        const v = value(depth + 1);
        if (!v) return null;
        entries.push({ key: raw(k), value: v });
        const sep = toks![p++];
        if (isPunct(sep, '}')) return { kind: 'object', entries };
        if (!isPunct(sep, ',')) return null;
      }
    }
    if (ch === '[') {
      const items: JsonNode[] = [];
      if (isPunct(toks![p], ']')) return p++, { kind: 'array', items };
      for (;;) {
        const v = value(depth + 1);
        if (!v) return null;
        items.push(v);
        const sep = toks![p++];
        if (isPunct(sep, ']')) return { kind: 'array', items };
        if (!isPunct(sep, ',')) return null;
      }
    }
    return null;
  }
  const root = value(0);
  return root && p === toks.length ? root : null;
}

/** summary is the one-line stand-in of a collapsed node: {3 keys} or [2 items]. */
export function summary(n: JsonNode): string {
  if (n.kind === 'object') return `{${n.entries.length} key${n.entries.length === 1 ? '' : 's'}}`;
  if (n.kind === 'array') return `[${n.items.length} item${n.items.length === 1 ? '' : 's'}]`;
  return n.raw;
}

/** SSEEvent is one event of a text/event-stream body, as captured. */
export interface SSEEvent {
  event?: string;
  data: string;
}

/** sseEvents splits a captured event stream into its events (data lines joined by \n), for display. */
export function sseEvents(text: string): SSEEvent[] {
  const out: SSEEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
    }
    if (data.length || event) out.push(event ? { event, data: data.join('\n') } : { data: data.join('\n') });
  }
  return out;
}

/** indent writes n back out indented by two spaces, as JSON.stringify(v, null, 2) lays it out, with every leaf as captured. */
export function indent(n: JsonNode, pad = ''): string {
  const inner = pad + '  ';
  if (n.kind === 'object') {
    if (n.entries.length === 0) return '{}';
    return `{\n${n.entries.map((e) => `${inner}${e.key}: ${indent(e.value, inner)}`).join(',\n')}\n${pad}}`;
  }
  if (n.kind === 'array') {
    if (n.items.length === 0) return '[]';
    return `[\n${n.items.map((v) => inner + indent(v, inner)).join(',\n')}\n${pad}]`;
  }
  return n.raw;
}
