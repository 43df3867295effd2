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

// Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
// Myanmar) and Korean, whose spaced units carry particles: each character is a token
// there, so an edit of one word does not mark the whole run between punctuation.
const perChar = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}';
const tokenRE = new RegExp(`\\s+|[${perChar}]|(?:(?![${perChar}])[\\p{L}\\p{M}\\p{N}_])+|[^\\s\\p{L}\\p{M}\\p{N}_]`, 'gu');

/**
 * words splits text into words, whitespace runs and punctuation, keeping every
 * character; in CJK and other scripts without spaces each character is a word.
 */
export function words(text: string): string[] {
  return text.match(tokenRE) ?? [];
}

/** lines splits text into lines, each keeping its newline. */
export function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * diffWords diffs two texts word by word, for people: changes separated by nothing
 * but whitespace or one short word are joined into one deletion and one insertion,
 * so a rewritten phrase reads as "old phrase → new phrase" rather than interleaved
 * fragments ("whichso is why").
 */
export function diffWords(a: string, b: string): Part[] {
  return readable(diffTokens(words(a), words(b)));
}

// shortEq is an unchanged run too small to stand between two changes on its own.
const shortEq = /^(?:\s+|\s*[\p{L}\p{N}_]{1,3}\s*|\s*[^\s\p{L}\p{N}_]\s*)$/u;

/** readable merges changes split by short unchanged runs and orders each change as deletion, then insertion. */
export function readable(parts: readonly Part[]): Part[] {
  type Group = { del: string; ins: string };
  const out: (Part | Group)[] = [];
  const isGroup = (x: Part | Group | undefined): x is Group => x !== undefined && !('op' in x);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const last = out.at(-1);
    if (p.op === 'eq') {
      // A short unchanged run between two changes joins both sides of the change.
      if (isGroup(last) && i + 1 < parts.length && shortEq.test(p.text) && p.text.length < 8) {
        last.del += p.text;
        last.ins += p.text;
      } else out.push({ ...p });
      continue;
    }
    const g = isGroup(last) ? last : { del: '', ins: '' };
    if (g !== last) out.push(g);
    g[p.op] += p.text;
  }
  const res: Part[] = [];
  for (const x of out) {
    if (!isGroup(x)) {
      res.push(x);
      continue;
    }
    // A group that turned out to change nothing on one side keeps its text as unchanged.
    if (x.del === x.ins) res.push({ op: 'eq', text: x.del });
    else {
      if (x.del) res.push({ op: 'del', text: x.del });
      if (x.ins) res.push({ op: 'ins', text: x.ins });
    }
  }
  // Adjacent unchanged runs (after a no-op group) are one.
  return res.reduce<Part[]>((acc, p) => {
    const last = acc.at(-1);
    if (last && last.op === p.op) last.text += p.text;
    else acc.push({ ...p });
    return acc;
  }, []);
}

/**
 * sides splits a diff into what each version shows: the old one's text with its
 * deletions marked, and the new one's with its insertions, for a side-by-side view.
 */
export function splitSides(parts: readonly Part[]): { before: Part[]; after: Part[] } {
  return { before: parts.filter((p) => p.op !== 'ins'), after: parts.filter((p) => p.op !== 'del') };
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
