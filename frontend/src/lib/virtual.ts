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
