// Pure helpers of the Overview's health panel: the error breakdown of a row and the
// capture save state, as short text.
import type { AppStatus, HealthErrors } from './types';

/** errorParts lists a row's failures as "429 ×3", "5xx ×2", … in a fixed order; empty when none. */
export function errorParts(e: HealthErrors): string[] {
  const out = Object.entries(e.byStatus ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code} ×${n}`);
  const kinds: [keyof HealthErrors, string][] = [
    ['server', '5xx'],
    ['timeouts', 'timeout'],
    ['cut', 'cut stream'],
    ['unreachable', 'unreachable'],
    ['aborted', 'client gave up'],
    ['other', 'other'],
  ];
  for (const [k, label] of kinds) {
    const n = e[k] as number;
    if (n > 0) out.push(`${label} ×${n}`);
  }
  return out;
}

/** percent formats a 0..1 rate as "97.5%", or "–" when there were no requests. */
export function percent(rate: number, requests: number): string {
  return requests === 0 ? '–' : `${(rate * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** SaveState is whether captures are being saved, for the health panel. */
export interface SaveState {
  ok: boolean;
  text: string;
}

/** saveState reads the capture fields of /api/status: the worst of them wins. */
export function saveState(s: AppStatus | null): SaveState {
  if (!s) return { ok: false, text: 'unknown' };
  if (s.dbError) return { ok: false, text: `the database refuses captures (they wait in the capture log): ${s.dbError}` };
  if ((s.unsaved ?? 0) > 0) return { ok: false, text: `${s.unsaved} capture(s) could not be kept${s.saveError ? `: ${s.saveError}` : ''}` };
  if ((s.held ?? 0) > 0) return { ok: false, text: `${s.held} capture(s) held in memory: the disk refuses them` };
  if (!s.capturing) return { ok: true, text: 'capture is off' };
  return { ok: true, text: s.queued > 0 ? `saving: ${s.queued} queued for the database` : 'every capture saved' };
}
