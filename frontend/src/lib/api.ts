// The only module that talks to the server. Every path is same-origin /api/..., which the
// browser sends to `llmtap serve --ui` and the Wails AssetServer hands to the same Go handler.
import type { AppStatus, ConversationDetail, ConversationSummary, ListQuery, Page, Status } from './types';

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

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`/api${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    cache: 'no-store',
  });
  const body = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, body?.error ?? (res.statusText || `HTTP ${res.status}`));
  return body as T;
}

/** listQuery renders the query string for GET /api/conversations, leaving out unset fields. */
export function listQuery(q: ListQuery): string {
  const p = new URLSearchParams();
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.offset !== undefined) p.set('offset', String(q.offset));
  if (q.status) p.set('status', q.status);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const api = {
  status: () => request<AppStatus>('/status'),
  setCapture: (on: boolean) => request<AppStatus>('/capture', { method: 'POST', body: JSON.stringify({ on }) }),
  conversations: (q: ListQuery = {}) => request<Page<ConversationSummary>>(`/conversations${listQuery(q)}`),
  conversation: (id: number) => request<ConversationDetail>(`/conversations/${id}`),
  setStatus: (id: number, status: Status) =>
    request<void>(`/conversations/${id}/status`, { method: 'PUT', body: JSON.stringify({ status }) }),
};
