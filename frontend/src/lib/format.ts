// Display helpers for conversations and messages: labels, counts, JSON pretty-printing.
import type { Message, Role, Status } from './types';
import { indent, parseTree } from './jsontree';

const roleLabels: Record<Role, string> = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool' };

/** roleLabel names a message's author: "Assistant", or "Tool · get_weather" when a name is known. */
export function roleLabel(role: Role, name?: string): string {
  const label = roleLabels[role] ?? role;
  return name ? `${label} · ${name}` : label;
}

const statusLabels: Record<Status, string> = { unreviewed: 'Unreviewed', confirmed: 'Confirmed', rejected: 'Rejected' };

/** statusLabel is the badge text for a review state. */
export function statusLabel(s: Status): string {
  return statusLabels[s] ?? s;
}

/** plural renders a count with its noun: "1 round", "3 rounds", "1,204 exchanges". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
}

/** pairRules is the order the export report's pair rules are shown in (strongest signal first). */
const pairRules = ['preferred', 'thumbs', 'client_edit', 'continued', 'reviewer_edit', 'newest'];

/**
 * countsText lists counts by name ("continued 2, client edit 1"): pair rules in their
 * order, other names (fixes) after them alphabetically; "" when there are none.
 */
export function countsText(counts: Record<string, number> | undefined): string {
  if (!counts) return '';
  const rank = (k: string) => (pairRules.includes(k) ? pairRules.indexOf(k) : pairRules.length);
  return Object.keys(counts)
    .filter((k) => counts[k] > 0)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => `${k.replace('_', ' ')} ${counts[k].toLocaleString('en-US')}`)
    .join(', ');
}

/** Pretty is text ready for display and whether it was valid JSON. */
export interface Pretty {
  text: string;
  json: boolean;
}

/**
 * prettyJSON re-indents JSON text with two spaces. Text that is not JSON (a truncated
 * tool-call argument, a plain-text tool result) comes back unchanged with json=false.
 * Only objects and arrays count as JSON: a bare "42" or "true" stays prose. Leaves keep
 * the exact text they were captured as.
 */
export function prettyJSON(text: string): Pretty {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return { text, json: false };
  // From the raw tokens, never JSON.parse: a captured 13.0 must not show as 13.
  const tree = parseTree(t);
  return tree ? { text: indent(tree), json: true } : { text, json: false };
}

/** countJSONArray returns the length of a JSON array text (tool definitions), or 0. */
export function countJSONArray(text: string | undefined): number {
  if (!text) return 0;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.length : 0;
  } catch {
    return 0;
  }
}

/**
 * toolNames maps tool-call IDs to the called function's name, so a tool result, which
 * carries only toolCallId, can be labelled with the tool it answers.
 */
export function toolNames(messages: readonly Message[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const msg of messages) for (const c of msg.toolCalls ?? []) if (c.id) m.set(c.id, c.name);
  return m;
}

/** curlExample is a copy-pasteable request through the proxy at baseURL (".../v1"). */
export function curlExample(baseURL: string): string {
  const url = `${baseURL.replace(/\/+$/, '')}/chat/completions`;
  return [
    `curl ${url} \\`,
    `  -H "Authorization: Bearer $OPENAI_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'`,
  ].join('\n');
}

/** preview is the first non-empty line of text, cut to max characters with an ellipsis. */
export function preview(text: string, max = 80): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

// Finish reasons that mean the model ended its turn normally, across dialects
// (OpenAI "stop"/"tool_calls", Anthropic "end_turn"/"tool_use"/"stop_sequence", Gemini "STOP").
const normalFinish = new Set(['stop', 'tool_calls', 'function_call', 'end_turn', 'tool_use', 'stop_sequence']);

/** unusualFinish reports whether a finish reason means the answer was cut off or blocked ("length", "content_filter", ...). */
export function unusualFinish(reason: string): boolean {
  return !normalFinish.has(reason.toLowerCase());
}

/** compact renders a count briefly: 950, 12.3k, 4.5M. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(n);
  if (a < 1_000_000) return `${trim1(n / 1000)}k`;
  if (a < 1_000_000_000) return `${trim1(n / 1_000_000)}M`;
  return `${trim1(n / 1_000_000_000)}G`;
}

function trim1(x: number): string {
  return (Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(1)).replace(/\.0$/, '');
}

/** duration renders milliseconds as "850 ms", "1.2 s" or "2 min 5 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim1(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** tagPalette are the colours offered for new tags. */
export const tagPalette = ['#2da44e', '#0a64d6', '#8250df', '#bf3989', '#cf222e', '#bc4c00', '#9a6700', '#57606a'];

/**
 * chipText picks black or white text for a chip of background colour bg ("#rrggbb" or
 * "#rgb"), by the background's relative luminance; other inputs get white.
 */
export function chipText(bg: string): '#000' | '#fff' {
  let h = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(bg.trim())?.[1];
  if (!h) return '#fff';
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // White on bg has contrast 1.05/(lum+0.05), black (lum+0.05)/0.05; pick the larger.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? '#fff' : '#000';
}

/** exchangeOutcome says in a word how a proxied request ended, and whether that is a problem. */
export function exchangeOutcome(e: {
  status: number;
  aborted: boolean;
  error?: string;
  parseError?: string;
  dialect?: string;
}): { label: string; problem: boolean } {
  if (e.aborted) return { label: 'client hung up', problem: true };
  if (e.error) return { label: e.status ? `${e.status} · failed` : 'failed', problem: true };
  if (e.status < 200 || e.status > 299) return { label: String(e.status), problem: true };
  if (e.dialect && e.parseError) return { label: `${e.status} · not a training turn`, problem: true };
  if (!e.dialect) return { label: `${e.status} · kept as exchange`, problem: false };
  return { label: `${e.status} · chat`, problem: false };
}
