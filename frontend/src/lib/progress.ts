// Following a long export or preview: the request runs under an id the page picks, and
// GET /api/export/progress/{id} says how far it got. Polling, because the Windows
// webview cannot read a response as it streams.

/** Progress is how many of the conversations to walk are done (total 0: not known yet). */
export interface Progress {
  done: number;
  total: number;
}

/** progressId returns a fresh id for one run. */
export function progressId(): string {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return `run-${a[0].toString(36)}${a[1].toString(36)}`;
}

/**
 * withProgress runs work, and until it settles asks poll every intervalMs how far it
 * got and hands each answer to onProgress. A poll that fails (the run has not started
 * yet, or has just ended) is skipped. It returns what work returns, or throws its error.
 */
export async function withProgress<T>(
  work: Promise<T>,
  poll: () => Promise<Progress>,
  onProgress: (p: Progress) => void,
  intervalMs = 300,
): Promise<T> {
  let settled = false;
  // Not awaited: once work settles, the loop sends no more polls and drops the answer
  // of one still in flight.
  void (async () => {
    while (!settled) {
      await new Promise((r) => setTimeout(r, intervalMs));
      if (settled) break;
      try {
        const p = await poll();
        if (!settled) onProgress(p);
      } catch {
        // Not started yet, or just ended: the next poll or the result says more.
      }
    }
  })();
  try {
    return await work;
  } finally {
    settled = true;
  }
}

/** progressText says "12,345 of 100,000" (or "12,345" while the total is not known). */
export function progressText(p: Progress | null): string {
  if (!p) return '';
  const n = (x: number) => x.toLocaleString('en-US');
  return p.total > 0 ? `${n(p.done)} of ${n(p.total)}` : n(p.done);
}
