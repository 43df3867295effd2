// Whether a conversation is valid for an export format (GET
// /api/conversations/{id}/validity), as the conversation header says it, and the
// format it is checked for: the one last chosen, kept in localStorage.

/** Validity mirrors app.Validity. */
export interface Validity {
  format: string;
  valid: boolean;
  /** Records it gives (a preference format: pairs). */
  records: number;
  /** Why each record it cannot give is left out. */
  reasons: string[];
  fixes?: Record<string, number>;
  pairsByRule?: Record<string, number>;
}

/** validityFormatKey is where the format checked is saved (localStorage). */
export const validityFormatKey = 'llmtap.validityFormat';

/** loadValidityFormat is the saved format when formats offers it, else the first of formats. */
export function loadValidityFormat(store: Pick<Storage, 'getItem'>, formats: readonly string[]): string {
  const v = store.getItem(validityFormatKey);
  return v && formats.includes(v) ? v : (formats[0] ?? 'sharegpt');
}

/** validityPath is the API path that checks conversation id for format (pairs: which pairs a pair format takes). */
export function validityPath(id: number, format: string, pairs?: 'all' | 'signalled'): string {
  const p = new URLSearchParams({ format });
  if (pairs) p.set('pairs', pairs);
  return `/conversations/${id}/validity?${p.toString()}`;
}

/** validityText is the header's line: valid (with its records, pairs or fixes) or why not. */
export function validityText(v: Validity, label = v.format): string {
  const what = v.pairsByRule ? 'pair' : 'record';
  const n = `${v.records} ${what}${v.records === 1 ? '' : 's'}`;
  const fixes = Object.entries(v.fixes ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fix, k]) => (k > 1 ? `${fix} ×${k}` : fix));
  const fixed = fixes.length ? ` after ${fixes.join(', ')}` : '';
  if (v.valid) return `Valid for ${label}: ${n}${fixed}`;
  const why = [...new Set(v.reasons)].join('; ') || 'no record';
  return v.records > 0 ? `Partly valid for ${label} (${n}${fixed}): ${why}` : `Not valid for ${label}: ${why}`;
}
