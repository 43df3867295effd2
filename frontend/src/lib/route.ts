// The selection lives in the URL hash ("#/c/42") so reloads, back/forward and links keep it.

/** parseHash returns the conversation ID in a hash like "#/c/42", or null. */
export function parseHash(hash: string): number | null {
  const m = /^#\/c\/(\d+)$/.exec(hash);
  if (!m) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** hashFor is the hash that selects conversation id. */
export function hashFor(id: number): string {
  return `#/c/${id}`;
}
