// The Providers page's pure rules: the shapes of GET /api/providers (Go: gateway/status.go),
// of the providers-file endpoints (Go: app/providerfile) and of the forward keys, and how
// they are shown. The components render these; nothing here touches the DOM or fetch.

/** Percentiles mirrors gateway.Percentiles: milliseconds over the last few minutes. */
export interface Percentiles {
  p50Ms: number;
  p95Ms: number;
  ttftP50Ms: number;
  ttftP95Ms: number;
  samples: number;
}

/** Counts mirrors gateway.Counts: totals since llmtap started. */
export interface Counts {
  requests: number;
  errors: Record<string, number>;
  tokensIn: number;
  tokensOut: number;
}

export interface KeyStatus {
  label: string;
  state: 'healthy' | 'cooling' | 'disabled';
  reason?: string;
  until?: string;
  inFlight: number;
  counts: Counts;
  latency: Percentiles;
}

export interface ProviderStatus {
  name: string;
  kind: string;
  baseUrl: string;
  models: string[];
  weight: number;
  disabled: boolean;
  state: 'healthy' | 'degraded' | 'down' | 'disabled';
  inFlight: number;
  counts: Counts;
  latency: Percentiles;
  keys: KeyStatus[];
}

/** GatewayStatus is GET /api/providers. */
export interface GatewayStatus {
  path: string;
  loadError?: string;
  strategy: string;
  retries: number;
  models: string[];
  providers: ProviderStatus[];
  cacheHits: number;
}

/** ProvidersConfig is GET /api/providers/config: the file with its literal keys masked. */
export interface ProvidersConfig {
  path: string;
  exists: boolean;
  text: string;
  keychain: boolean;
  /** moved: keys typed into the editor that the save put in the keychain (PUT's answer only). */
  moved?: MovedKey[];
}

/** MovedKey is a key a save took out of the file: where it was, and the reference now there. */
export interface MovedKey {
  line: number;
  field: string;
  ref: string;
}

/** ConfigError is a refused file: where, and why (line 0: unknown; field "": a YAML syntax error). */
export interface ConfigError {
  error: string;
  line: number;
  field: string;
}

/** ForwardKey is one entry of GET /api/forward-keys (never the key itself). */
export interface ForwardKey {
  id: string;
  name: string;
  models?: string[];
  rpm?: number;
  tpm?: number;
  tpd?: number;
  expires?: string;
  usage?: Record<string, number>;
}

/** ForwardKeyRequest is the body of POST /api/forward-keys. */
export interface ForwardKeyRequest {
  name: string;
  models: string[];
  rpm: number;
  tpm: number;
  tpd: number;
  expires: string;
}

/** Kinds are the provider kinds the file takes. */
export const kinds = ['openai', 'azure', 'anthropic', 'gemini', 'ollama'] as const;

/** splitList reads a list typed in one field: commas or new lines between items, blanks dropped. */
export function splitList(s: string): string[] {
  return s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** ProviderForm is the "add a provider" form as typed. */
export interface ProviderForm {
  name: string;
  kind: string;
  baseUrl: string;
  keys: string;
  models: string;
}

/** providerRequest turns the form into the body of POST /api/providers/config/providers. */
export function providerRequest(f: ProviderForm): { name: string; kind: string; base_url: string; keys: string[]; models: string[] } {
  // Keys are one a line (a key may not hold a comma, but say so only by splitting on lines).
  const keys = f.keys
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  return { name: f.name.trim(), kind: f.kind, base_url: f.baseUrl.trim(), keys, models: splitList(f.models) };
}

/** checkProvider is what the form can tell before asking the server: field → message. */
export function checkProvider(f: ProviderForm): Record<string, string> {
  const out: Record<string, string> = {};
  if (!f.name.trim()) out.name = 'Give the provider a name.';
  if (!/^https?:\/\/[^/\s]+/.test(f.baseUrl.trim())) out.baseUrl = 'An http:// or https:// address.';
  if (splitList(f.models).length === 0) out.models = 'At least one model (a name or a glob such as claude-*).';
  if (f.kind !== 'ollama' && providerRequest(f).keys.length === 0) out.keys = `A ${f.kind} provider needs a key.`;
  return out;
}

/** KeyKind says what a key's label is: a reference (the secret is elsewhere) or a masked literal. */
export type KeyKind = 'env' | 'keychain' | 'literal';

/**
 * keyDisplay is how a key is shown: references as written, a literal never by more than its
 * last four characters (the server masks already; this holds even if it did not).
 */
export function keyDisplay(label: string): { text: string; kind: KeyKind } {
  const ref = /^\$\{keychain:([^}]+)\}$/.exec(label);
  if (ref) return { text: `keychain: ${ref[1]}`, kind: 'keychain' };
  if (label.includes('$')) return { text: label, kind: 'env' };
  if (/^key \d+$/.test(label)) return { text: label, kind: 'literal' };
  const tail = label.replace(/^[…•]+/, '');
  return { text: `••••${tail.slice(-4)}`, kind: 'literal' };
}

/** stateText is a key's or provider's state in words, with "until" as a local time. */
export function stateText(k: { state: string; reason?: string; until?: string }, now = Date.now()): string {
  if (k.state === 'cooling' && k.until) {
    const secs = Math.max(0, Math.ceil((Date.parse(k.until) - now) / 1000));
    return `cooling down ${secs < 90 ? `for ${secs}s` : `until ${new Date(k.until).toLocaleTimeString()}`}${k.reason ? ` (${k.reason})` : ''}`;
  }
  if (k.state === 'disabled') return k.reason ? `disabled: ${k.reason}` : 'disabled';
  return k.state;
}

/** ms shows a latency: "–" without samples, whole milliseconds below 10 s. */
export function ms(v: number, samples: number): string {
  if (!samples || !v) return '–';
  return v < 10_000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

/** errorList is the error classes with a count, largest first, for "errors by class". */
export function errorList(c: Counts): [string, number][] {
  return Object.entries(c.errors ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** errorTotal is the sum of a provider's or key's errors. */
export function errorTotal(c: Counts): number {
  return errorList(c).reduce((s, [, n]) => s + n, 0);
}

/** forwardKeyList accepts GET /api/forward-keys as a list or as {keys: [...]}. */
export function forwardKeyList(body: unknown): ForwardKey[] {
  if (Array.isArray(body)) return body as ForwardKey[];
  const o = body as { keys?: ForwardKey[]; forwardKeys?: ForwardKey[] } | null;
  return o?.keys ?? o?.forwardKeys ?? [];
}

/** limitText shows a forward key's limits ("60 rpm · 200k tpm"), or "no limits". */
export function limitText(k: Pick<ForwardKey, 'rpm' | 'tpm' | 'tpd'>): string {
  const parts: string[] = [];
  if (k.rpm) parts.push(`${compact(k.rpm)} rpm`);
  if (k.tpm) parts.push(`${compact(k.tpm)} tpm`);
  if (k.tpd) parts.push(`${compact(k.tpd)} tpd`);
  return parts.length ? parts.join(' · ') : 'no limits';
}

/** compact writes 200000 as 200k and 1500000 as 1.5M. */
export function compact(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** forwardKeyRequest turns the issue form into the POST body; empty numbers mean no limit. */
export function forwardKeyRequest(f: { name: string; models: string; rpm: string; tpm: string; tpd: string; expires: string }): ForwardKeyRequest {
  const n = (s: string) => Math.max(0, Math.floor(Number(s) || 0));
  return { name: f.name.trim(), models: splitList(f.models), rpm: n(f.rpm), tpm: n(f.tpm), tpd: n(f.tpd), expires: f.expires.trim() };
}

/** lineNumbers is the gutter beside the raw editor: "1\n2\n…" for text's lines. */
export function lineNumbers(text: string): string {
  const n = text.split('\n').length;
  return Array.from({ length: n }, (_, i) => String(i + 1)).join('\n');
}

/** errorLine says where a refusal points, for the note next to the editor. */
export function errorLine(e: ConfigError): string {
  const at = [e.line > 0 ? `line ${e.line}` : '', e.field].filter(Boolean).join(', ');
  return at ? `${at}: ${e.error}` : e.error;
}

/** savedNote is what the editor says after a save, naming the keys it moved to the keychain. */
export function savedNote(c: Pick<ProvidersConfig, 'moved'>): string {
  const moved = c.moved ?? [];
  if (moved.length === 0) return 'Saved: the gateway uses it now.';
  const which = moved.map((m) => `${m.field} (line ${m.line}) → ${m.ref}`).join(', ');
  return `Saved: the gateway uses it now. ${moved.length === 1 ? 'The key' : `${moved.length} keys`} typed in went to the OS keychain, the file refers to ${moved.length === 1 ? 'it' : 'them'}: ${which}.`;
}
