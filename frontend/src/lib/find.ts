// Finding text in the open conversation: the terms of a list search, and where they
// (or the find bar's text) occur in a piece of text. The UI marks the ranges with the
// CSS Custom Highlight API, so the messages' DOM is never rewritten.

/** searchTerms returns the words of a full-text query worth highlighting: no operators, quotes or prefix stars. */
export function searchTerms(q: string): string[] {
  const out: string[] = [];
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const phrase = m[1];
    if (phrase !== undefined) {
      if (phrase.trim()) out.push(phrase.trim());
      continue;
    }
    let w = m[2].replace(/^[-+(]+|[)*^]+$/g, '').replace(/^\w+:/, '');
    if (/^(AND|OR|NOT|NEAR)$/.test(w) || /^NEAR\(/.test(w)) w = '';
    if (w) out.push(w);
  }
  return [...new Set(out)];
}

/** matchRanges returns where any of terms occurs in text, case-insensitively, in order and without overlaps. */
export function matchRanges(text: string, terms: readonly string[]): [start: number, end: number][] {
  const hay = text.toLowerCase();
  const found: [number, number][] = [];
  for (const t of terms) {
    const needle = t.toLowerCase();
    // toLowerCase keeps lengths for the scripts that matter here; a term whose length changes is skipped.
    if (!needle || needle.length !== t.length) continue;
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) found.push([i, i + needle.length]);
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: [number, number][] = [];
  for (const r of found) if (!out.length || r[0] >= out[out.length - 1][1]) out.push(r);
  return out;
}
