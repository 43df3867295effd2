// Types mirroring the Go JSON API (docs/api.md). Keep field names and optionality in step
// with the Go structs' json tags; this file holds no logic.
//
// docs/api.md calls both the /api/status answer and the review state "Status"; here the
// review state keeps the name (as in STYLE.md) and the /api/status answer is AppStatus.

/** AppStatus is the answer of GET /api/status and POST /api/capture. */
export interface AppStatus {
  capturing: boolean;
  /** Proxy listen address, e.g. "127.0.0.1:8780". */
  proxyAddr: string;
  /** What to paste into a client, e.g. "http://127.0.0.1:8780/v1". */
  baseURL: string;
  dataDir: string;
  conversations: number;
  exchanges: number;
  /** Captures waiting to be written. */
  queued: number;
}

/** Status is a conversation's review state. */
export type Status = 'unreviewed' | 'confirmed' | 'rejected';

export const statuses: readonly Status[] = ['unreviewed', 'confirmed', 'rejected'];

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ConversationSummary {
  id: number;
  title: string;
  status: Status;
  model: string;
  host: string;
  /** Assistant answers on the chosen path. */
  rounds: number;
  /** Messages on the chosen path. */
  messageCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ToolCall {
  id?: string;
  name: string;
  /** JSON text as the model produced it (may be invalid JSON). */
  arguments: string;
}

export interface Message {
  id: number;
  parentId: number | null;
  role: Role;
  content: string;
  reasoning?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  name?: string;
  finishReason?: string;
  exchangeId?: number;
  createdAt: string;
  /** How many messages share this one's parent (1 = no branches). */
  siblings: number;
}

export interface ConversationDetail extends ConversationSummary {
  /** JSON array text of tool definitions. */
  tools?: string;
  /** The chosen path, root first. */
  messages: Message[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ListQuery {
  limit?: number;
  offset?: number;
  status?: Status;
}
