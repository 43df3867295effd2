// Marks text in the page with the CSS Custom Highlight API (::highlight(name) in
// app.css): ranges over the text nodes, no change to the DOM the components own.
import { matchRanges } from './find';

/** rangesIn returns the ranges of root's visible message text where terms occur (buttons and labels left out). */
export function rangesIn(root: Element, terms: readonly string[]): Range[] {
  if (!terms.length) return [];
  const out: Range[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement?.closest('button, header, summary, .tools, .sr') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (const [start, end] of matchRanges(n.textContent ?? '', terms)) {
      const r = document.createRange();
      r.setStart(n, start);
      r.setEnd(n, end);
      out.push(r);
    }
  }
  return out;
}

/** mark shows ranges under the highlight name, replacing what it showed; an empty list clears it. */
export function mark(name: string, ranges: readonly Range[]): void {
  if (typeof CSS === 'undefined' || !('highlights' in CSS)) return; // an engine without the API shows no marks
  if (ranges.length) CSS.highlights.set(name, new Highlight(...ranges));
  else CSS.highlights.delete(name);
}
