// A small text diff for showing a person's edit against the captured original: Myers'
// O(ND) algorithm over words or lines, so short edits of long messages stay cheap.

export type Op = 'eq' | 'ins' | 'del';

/** Part is a run of text that both sides share (eq), only the new one has (ins) or only the old one had (del). */
export interface Part {
  op: Op;
  text: string;
}

/** diffTokens returns the edit script from a to b as runs of tokens, adjacent runs of one op merged. */
export function diffTokens(a: readonly string[], b: readonly string[]): Part[] {
  // Strip the common prefix and suffix first: most edits touch a small middle.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const parts: Part[] = [];
  const push = (op: Op, text: string) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.op === op) last.text += text;
    else parts.push({ op, text });
  };
  push('eq', a.slice(0, pre).join(''));
  for (const [op, tok] of myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf))) push(op, tok);
  push('eq', a.slice(a.length - suf).join(''));
  return parts;
}

// myers returns the shortest edit script from a to b, one token per step.
function myers(a: readonly string[], b: readonly string[]): [Op, string][] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // Walk the trace back from (n, m) to (0, 0).
  const out: [Op, string][] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]);
    const pk = down ? k + 1 : k - 1;
    const px = vd[off + pk];
    const py = px - pk;
    while (x > px && y > py) {
      out.push(['eq', a[--x]]);
      y--;
    }
    if (d === 0) break;
    if (down) out.push(['ins', b[--y]]);
    else out.push(['del', a[--x]]);
  }
  return out.reverse();
}

/** words splits text into words, whitespace runs and punctuation, keeping every character. */
export function words(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** lines splits text into lines, each keeping its newline. */
export function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** diffWords diffs two texts word by word. */
export function diffWords(a: string, b: string): Part[] {
  return diffTokens(words(a), words(b));
}

/** diffLines diffs two texts line by line. */
export function diffLines(a: string, b: string): Part[] {
  return diffTokens(lines(a), lines(b));
}

/** diffStats counts the inserted and deleted tokens' characters, for a "+12 −3" summary. */
export function diffStats(parts: readonly Part[]): { ins: number; del: number } {
  let ins = 0;
  let del = 0;
  for (const p of parts) {
    if (p.op === 'ins') ins += p.text.length;
    if (p.op === 'del') del += p.text.length;
  }
  return { ins, del };
}
