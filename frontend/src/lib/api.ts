// The only module that talks to the server. Every path is same-origin /api/..., which the
// browser sends to `llmtap serve --ui` and the Wails AssetServer hands to the same Go handler.
// docs/api.md and docs/api-review.md describe the endpoints.
import { defaultFilter, filterObject, filterParams } from './route';
import type { Progress } from './progress';
import { forwardKeyList } from './providers';
import { validityPath } from './validity';
import type {
  AppStatus,
  BulkAction,
  BulkTarget,
  ConversationDetail,
  ConversationSummary,
  ExchangeDetail,
  ExchangeSummary,
  ExportFormat,
  ExportPreview,
  OpenerMode,
  ReasoningMode,
  ExportResult,
  Facets,
  Filter,
  Health,
  HealthWindow,
  ListQuery,
  Message,
  Page,
  Stats,
  Status,
  SystemPlacement,
  Tag,
} from './types';

/** ApiError is a non-2xx answer; message is the server's {"error": ...} text when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** notImplemented reports whether err means this server does not have the endpoint yet (404 on a route). */
export function notImplemented(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  // 405: the path exists for another method (e.g. PUT …/cut before DELETE …/cut is added).
  return err.status === 405 || (err.status === 404 && /no such API endpoint/i.test(err.message));
}

/** errorText is a one-line description of err for banners and toasts. */
export function errorText(err: unknown): string {
  if (notImplemented(err)) return `this server does not support that yet (${(err as ApiError).message || 'HTTP 405'})`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** loginPath is where `llmtap serve` asks for its UI token once it listens beyond loopback (Go: app/access). */
export const loginPath = '/login';

/**
 * toLoginOn401 sends the browser to the token page when the server asks for the token: the
 * cookie is missing or the token was changed. The desktop window and a UI on loopback never get 401.
 */
function toLoginOn401(res: Response): void {
  if (res.status === 401 && typeof location !== 'undefined') location.assign(loginPath);
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`/api${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    cache: 'no-store',
  });
  toLoginOn401(res);
  const body = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, body?.error ?? (res.statusText || `HTTP ${res.status}`));
  return body as T;
}

const put = (body: unknown): RequestInit => ({ method: 'PUT', body: JSON.stringify(body) });
const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
const del: RequestInit = { method: 'DELETE' };

/** listQuery renders the query string for GET /api/conversations, leaving out unset fields. */
export function listQuery(q: ListQuery): string {
  const p = filterParams({ ...defaultFilter(), ...q });
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.offset !== undefined) p.set('offset', String(q.offset));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** ExportOptions are the choices of the export dialog. */
export interface ExportOptions {
  format: ExportFormat;
  system: SystemPlacement;
  /** Absent: the server's default (system). */
  opener?: OpenerMode;
  /** Absent or '': the format's reasoning field where it has one, else dropped. */
  reasoning?: ReasoningMode;
  /** Which preference pairs a pair format (and KTO) takes; absent: all. */
  pairs?: 'all' | 'signalled';
  /** Write a Hugging Face dataset folder (Parquet) instead of a file, with this fraction in a validation split. */
  folder?: boolean;
  validation?: number;
  filter: Filter;
  /** Keep conversations scored this (1–5) or better, unrated ones left out; absent or 0 keeps any. */
  minScore?: number;
  name?: string;
}

/** exportFilterObject is the "filter" of an export's body: the list's filter and minScore. */
export function exportFilterObject(f: Filter, minScore?: number): Record<string, string | string[]> {
  const o = filterObject(f);
  if (minScore) o.minScore = String(minScore);
  return o;
}

/** exportQuery renders the query string of an export's preview or download. */
export function exportQuery(o: ExportOptions): string {
  const p = filterParams(o.filter);
  p.delete('sort');
  p.delete('order');
  p.set('format', o.format);
  p.set('system', o.system);
  if (o.opener) p.set('opener', o.opener);
  if (o.reasoning) p.set('reasoning', o.reasoning);
  if (o.pairs) p.set('pairs', o.pairs);
  if (o.minScore) p.set('minScore', String(o.minScore));
  return `?${p.toString()}`;
}

export const api = {
  status: () => request<AppStatus>('/status'),
  setCapture: (on: boolean) => request<AppStatus>('/capture', post({ on })),
  dismissUnsaved: () => request<void>('/capture/unsaved', { method: 'DELETE' }),

  conversations: (q: ListQuery = {}) => request<Page<ConversationSummary>>(`/conversations${listQuery(q)}`),
  /** conversation reads id's chosen path or, with via, the branch through that message without choosing it. */
  conversation: (id: number, via?: number) => request<ConversationDetail>(`/conversations/${id}${via ? `?via=${via}` : ''}`),
  facets: () => request<Facets>('/facets'),

  setStatus: (id: number, status: Status, reason?: string) =>
    request<void>(`/conversations/${id}/status`, put(reason ? { status, reason } : { status })),
  setNote: (id: number, note: string) => request<void>(`/conversations/${id}/note`, put({ note })),
  setTags: (id: number, change: { add?: number[]; remove?: number[] }) =>
    request<void>(`/conversations/${id}/tags`, put(change)),

  tags: () => request<Tag[]>('/tags'),
  createTag: (name: string, color: string) => request<Tag>('/tags', post({ name, color })),
  updateTag: (id: number, change: { name?: string; color?: string }) => request<Tag>(`/tags/${id}`, put(change)),
  deleteTag: (id: number) => request<void>(`/tags/${id}`, del),

  bulk: (target: BulkTarget, action: BulkAction) => request<{ affected: number }>('/bulk', post({ ...target, ...action })),

  editMessage: (id: number, content: string) => request<Message>(`/messages/${id}`, put({ content })),
  undoEdit: (id: number) => request<Message>(`/messages/${id}/edit`, del),
  setTrain: (id: number, train: boolean) => request<void>(`/messages/${id}/train`, put({ train })),
  setThumb: (id: number, thumb: number) => request<void>(`/messages/${id}/thumb`, put({ thumb })),
  setScore: (id: number, score: number) => request<void>(`/conversations/${id}/score`, put({ score })),
  setPreferred: (id: number) => request<void>(`/messages/${id}/preferred`, put({})),
  branch: (id: number, messageId: number) => request<ConversationDetail>(`/conversations/${id}/branch`, put({ messageId })),
  cut: (id: number, messageId: number) => request<ConversationDetail>(`/conversations/${id}/cut`, put({ messageId })),
  clearBranch: (id: number) => request<ConversationDetail>(`/conversations/${id}/branch`, del),
  uncut: (id: number) => request<ConversationDetail>(`/conversations/${id}/cut`, del),
  setSystem: (id: number, content: string) => request<ConversationDetail>(`/conversations/${id}/system`, put({ content })),

  exchange: (id: number) => request<ExchangeDetail>(`/exchanges/${id}`),
  exchanges: (q: import('./types').ExchangeQuery = {}) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '' && v !== 0) p.set(k, String(v));
    const s = p.toString();
    return request<Page<ExchangeSummary>>(`/exchanges${s ? `?${s}` : ''}`);
  },

  /** exportPreview checks every record the options take; progress names the run for exportProgress. */
  exportPreview: (o: ExportOptions, run: { progress?: string; signal?: AbortSignal } = {}) =>
    request<ExportPreview>(`/export/preview${exportQuery(o)}${run.progress ? `&progress=${encodeURIComponent(run.progress)}` : ''}`, {
      signal: run.signal,
    }),
  exportWrite: (o: ExportOptions, saveAs = false, progress?: string) =>
    request<ExportResult>(
      '/export',
      post({
        format: o.format,
        system: o.system,
        ...(o.opener ? { opener: o.opener } : {}),
        ...(o.reasoning ? { reasoning: o.reasoning } : {}),
        ...(o.pairs ? { pairs: o.pairs } : {}),
        ...(o.folder ? { folder: true, validation: o.validation ?? 0 } : {}),
        filter: exportFilterObject(o.filter, o.minScore),
        ...(o.name ? { name: o.name } : {}),
        ...(saveAs ? { saveAs } : {}),
        ...(progress ? { progress } : {}),
      }),
    ),
  /** exportProgress is how far the preview or export running as id has got (404 when none is). */
  exportProgress: (id: string) => request<Progress>(`/export/progress/${encodeURIComponent(id)}`),
  /** record is one conversation as the export would write it ("Copy as JSON"). */
  record: (id: number, format = 'sharegpt', system = 'field') =>
    request<unknown>(`/conversations/${id}/record?format=${encodeURIComponent(format)}&system=${encodeURIComponent(system)}`),
  /** validity says whether conversation id is valid for format, and why not. */
  validity: (id: number, format: string, pairs?: 'all' | 'signalled') =>
    request<import('./validity').Validity>(validityPath(id, format, pairs)),
  /** drag starts the desktop app's OS drag of an export (lib/drag.ts builds the body). */
  drag: (body: Record<string, unknown>) => request<{ path: string }>('/drag', post(body)),
  /** reveal shows an exported file in the OS file manager ("Show in folder"). */
  reveal: (path: string) => request<void>('/reveal', post({ path })),
  stats: () => request<Stats>('/stats'),
  health: (window: HealthWindow) => request<Health>(`/health?window=${window}`),

  // Settings page and capture setup (docs/api.md). Types are imported inline to keep this one block.
  settings: () => request<import('./types').SettingsState>('/settings'),
  /** saveSettings answers a 400 with per-field messages as a result, not an exception: the form shows them. */
  saveSettings: async (s: import('./types').Settings): Promise<import('./types').SettingsSaveResult> => {
    const res = await fetch('/api/settings', { ...put(s), headers: { 'Content-Type': 'application/json' }, cache: 'no-store' });
    toLoginOn401(res);
    const body = await res.json().catch(() => undefined);
    if (res.status === 400 && body?.fields) return { ok: false, error: body.error ?? '', fields: body.fields };
    if (!res.ok) throw new ApiError(res.status, body?.error ?? (res.statusText || `HTTP ${res.status}`));
    return { ok: true, state: body };
  },
  selfTest: (body: { mode?: 'base' | 'mitm'; host?: string } = {}) => request<import('./types').SelfTest>('/selftest', post(body)),
  presets: () => request<import('./types').Presets>('/presets'),
  setTarget: (target: string) => request<import('./types').Presets>('/target', put({ target })),
  problems: () => request<{ items: import('./types').Problem[]; total: number }>('/problems'),
  exchangeFacets: () => request<import('./types').ExchangeFacets>('/exchanges/facets'),
  usage: (days = 30) => request<import('./types').UsageReport>(`/usage?days=${days}`),
  prices: () => request<import('./types').Prices>('/prices'),
  setPrices: (overrides: Record<string, import('./types').Price>) => request<import('./types').Prices>('/prices', put({ overrides })),
  conversationUsage: (id: number) => request<import('./types').ConversationUsage>(`/conversations/${id}/usage`),
  systemProxy: () => request<import('./types').SystemProxy>('/system-proxy'),
  setSystemProxy: (on: boolean) => request<import('./types').SystemProxy>('/system-proxy', post({ on })),
  proxyEnv: () => request<import('./types').EnvVar[]>('/proxy-env'),
  openTerminal: () => request<void>('/terminal', post({})),

  // The Providers page (lib/providers.ts; Go: gateway/status.go, app/providerfile).
  gateway: () => request<import('./providers').GatewayStatus>('/providers'),
  providersConfig: () => request<import('./providers').ProvidersConfig>('/providers/config'),
  /** saveProvidersConfig and addProvider answer a refused file as a result with its line and field. */
  saveProvidersConfig: (text: string, base: string) => configResult('/api/providers/config', put({ text, base })),
  addProvider: (body: ReturnType<typeof import('./providers').providerRequest>) => configResult('/api/providers/config/providers', post(body)),
  forwardKeys: () => request<unknown>('/forward-keys').then(forwardKeyList),
  issueForwardKey: (body: import('./providers').ForwardKeyRequest) => request<{ key: string; id: string }>('/forward-keys', post(body)),
  revokeForwardKey: (id: string) => request<void>(`/forward-keys/${encodeURIComponent(id)}`, del),
};

type ConfigResult = { ok: true; config: import('./providers').ProvidersConfig } | { ok: false; error: import('./providers').ConfigError };

async function configResult(path: string, init: RequestInit): Promise<ConfigResult> {
  const res = await fetch(path, { ...init, headers: { 'Content-Type': 'application/json' }, cache: 'no-store' });
  toLoginOn401(res);
  const body = await res.json().catch(() => undefined);
  if (res.status === 400 && body?.error) return { ok: false, error: { error: body.error, line: body.line ?? 0, field: body.field ?? '' } };
  if (!res.ok) throw new ApiError(res.status, body?.error ?? (res.statusText || `HTTP ${res.status}`));
  return { ok: true, config: body };
}

/** mediaURL is where the bytes of a stored image or file are served. */
export function mediaURL(hash: string): string {
  return `/api/media/${encodeURIComponent(hash)}`;
}

/** bulkFilter is the bulk target "everything f matches". */
export function bulkFilter(f: Filter): BulkTarget {
  return { filter: filterObject(f) };
}
