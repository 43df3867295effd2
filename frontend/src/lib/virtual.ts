// Windowed rendering for the conversation list: with a fixed row height, which rows are on
// screen is arithmetic, and only those (plus a margin) are rendered and fetched.

/** Window is the range of rows [start, end) to render. */
export interface Window {
  start: number;
  end: number;
}

/**
 * visibleRows returns the rows that intersect the viewport at scrollTop, widened by overscan
 * rows on each side and clamped to [0, total).
 */
export function visibleRows(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 8): Window {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewport)) / rowHeight);
  return { start: Math.max(0, Math.min(total, first - overscan)), end: Math.min(total, last + overscan) };
}

/** pagesFor returns the page numbers (of pageSize rows) that cover w. */
export function pagesFor(w: Window, pageSize: number): number[] {
  if (w.end <= w.start) return [];
  const pages: number[] = [];
  for (let p = Math.floor(w.start / pageSize); p * pageSize < w.end; p++) pages.push(p);
  return pages;
}

/**
 * scrollToShow returns the scrollTop that brings row index fully into view with the least
 * movement, or the current one when it is already visible.
 */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}

/**
 * maxScrollHeight caps the list's scroll height below the largest element browsers lay
 * out (about 33.5 million px in Chromium and WebKit: 2^25 px with 1/64 px units); at
 * 76 px a row that is some 440,000 rows. Past it the scrollbar stands for more than one
 * pixel each, and content moves faster than the thumb.
 */
export const maxScrollHeight = 30_000_000;

/**
 * Scroll maps the list's real scroll position to the offset of the content at the top
 * of the viewport (its "virtual top"), both in px. Below maxHeight they are the same.
 */
export interface Scroll {
  /** height of the scroll area, at most maxHeight */
  height: number;
  /** virtualTop for a scrollTop */
  virtualTop(scrollTop: number): number;
  /** scrollTop that shows virtualTop */
  scrollTop(virtualTop: number): number;
  /** where row i sits in the scroll area, with the area scrolled to scrollTop */
  rowTop(i: number, scrollTop: number): number;
}

/**
 * scrollFor returns the Scroll of total rows of rowHeight in a viewport of that height.
 * When the rows are taller than maxHeight, the scroll area is maxHeight tall and its
 * range maps linearly onto the rows' range, ends to ends, so the first and last rows
 * stay reachable; rows are placed relative to the viewport.
 */
export function scrollFor(total: number, rowHeight: number, viewport: number, maxHeight = maxScrollHeight): Scroll {
  const full = Math.max(0, total) * rowHeight;
  if (full <= maxHeight) {
    return { height: full, virtualTop: (t) => t, scrollTop: (v) => v, rowTop: (i) => i * rowHeight };
  }
  const ratio = (full - viewport) / Math.max(1, maxHeight - viewport);
  const virtualTop = (t: number) => Math.max(0, t) * ratio;
  return {
    height: maxHeight,
    virtualTop,
    scrollTop: (v) => v / ratio,
    rowTop: (i, t) => t + i * rowHeight - virtualTop(t),
  };
}
