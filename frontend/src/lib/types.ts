// Types mirroring the Go JSON API (docs/api.md and docs/api-review.md). Keep field names and
// optionality in step with the Go structs' json tags; this file holds no logic.
//
// docs/api.md calls both the /api/status answer and the review state "Status"; here the
// review state keeps the name (as in STYLE.md) and the /api/status answer is AppStatus.
// Fields the review API adds are optional where an older server may leave them out, so the
// UI degrades instead of breaking while the Go side catches up.

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
  /** Captures safe in the capture log but not yet in the database. */
  queued: number;
  /** Captures waiting in memory because the disk refuses them. */
  held?: number;
  /** Captures that could not be kept, counted until dismissed (also across restarts). */
  unsaved?: number;
  /** Why the latest of them was lost. */
  saveError?: string;
  /** When the first of them was lost. */
  unsavedSince?: string;
  /** Why the database refuses captures right now (they wait in the capture log). */
  dbError?: string;
  /** Scanner requests (probe list in Settings) the proxy turned away since it started. */
  probesRefused?: number;
  /** Where plain paths go ("" when nowhere), how many named routes there are, and how many requests got a 404 for lack of both. */
  target?: string;
  routes?: number;
  unroutable?: number;
  /** Grows whenever conversations change, so the list is refetched only then. */
  changed?: number;
  /** Set in the desktop app, where Export can ask where to save with the OS dialog. */
  nativeDialogs?: boolean;
  /** Set in the desktop app, where a drag handle drags a file out with the OS drag (POST /api/drag). */
  nativeDrag?: boolean;
  /** The name an export gets by format when none is given, today (the server decides it). */
  exportNames?: Partial<Record<ExportFormat, string>>;
  /** The formats an export writes, in order (absent on older servers). */
  exportFormats?: ExportFormatSpec[];
}

/** Status is a conversation's review state. */
export type Status = 'unreviewed' | 'confirmed' | 'rejected';

export const statuses: readonly Status[] = ['unreviewed', 'confirmed', 'rejected'];

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Tag {
  id: number;
  name: string;
  /** CSS colour, e.g. "#2da44e". */
  color: string;
  count: number;
}

export interface Facet {
  value: string;
  count: number;
}

/** Facets is the answer of GET /api/facets: the values the filter menus offer. */
export interface Facets {
  models: Facet[];
  hosts: Facet[];
  tags: Tag[];
  /** The gateway forward key ids captures carry, sorted; absent on an older server. */
  forwardKeys?: string[];
}

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
  provider?: string;
  /** Prompt + completion tokens of the exchanges on the chosen path. */
  tokens?: number;
  /** The kinds of tokens: prompt (cachedTokens read from and cacheWriteTokens written to the provider's prompt cache are parts of it) and completion. */
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  cacheWriteTokens?: number;
  /** In the list: the chosen path's cost at the price table; absent for a model without a price. */
  costUsd?: number;
  tags?: Tag[];
  note?: string;
  rejectReason?: string;
  /** From the User-Agent of the first exchange, e.g. "OpenAI/Python 1.55.0". */
  client?: string;
  hasToolCalls?: boolean;
  hasReasoning?: boolean;
  hasErrors?: boolean;
  /** Quality score 1–5 the reviewer gave; absent when unrated. */
  score?: number;
  /** Answers rated thumbs up and down (on any branch); absent when none. */
  thumbsUp?: number;
  thumbsDown?: number;
  /** With q: the matching text, HTML-escaped, hits wrapped in <mark>…</mark>. */
  snippet?: string;
}

export interface ToolCall {
  id?: string;
  name: string;
  /** JSON text as the model produced it (may be invalid JSON). */
  arguments: string;
}

export interface MediaRef {
  kind: 'image' | 'audio' | 'file';
  mime?: string;
  url?: string;
  hash?: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Parts of promptTokens read from / written to the provider's prompt cache. */
  cachedTokens?: number;
  cacheWriteTokens?: number;
}

export interface Message {
  /** Negative for the system prompt and example dialogue, which are not tree nodes. */
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
  /** The client sent this turn changed: a sibling of what it replaced. */
  editedByClient?: boolean;
  /** An assistant message before the first user turn that no response carried: a character's greeting, not a generated answer. */
  opener?: boolean;
  responseId?: string;
  media?: MediaRef[];
  /** The captured text when the person edited content; absent otherwise. */
  original?: string;
  /** false: an assistant turn marked "don't train". Absent on older servers (= true). */
  train?: boolean;
  /** The sibling marked as the better answer. */
  preferred?: boolean;
  /** The reviewer's thumb on an answer: 1 up, -1 down; absent for none. */
  thumb?: number;
  /** This message and its siblings, oldest first. */
  siblingIds?: number[];
  usage?: Usage;
  durationMs?: number;
  firstByteMs?: number;
}

export interface ConversationDetail extends ConversationSummary {
  /** JSON array text of tool definitions. */
  tools?: string;
  /** The path shown, root first: the chosen one unless viewing is set. */
  messages: Message[];
  /** The last message of the chosen path, the one export writes. */
  headId?: number;
  /** Set when messages is a branch being looked at (?via=), not the chosen path. */
  viewing?: boolean;
  /** Set when a person chose the branch; DELETE …/branch undoes it. */
  branchChosen?: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  /** Exchanges only: a text search read the bodies of the newest 2,000 matches of the other filters only. */
  partial?: boolean;
}

export type Sort = 'updated' | 'created' | 'rounds' | 'tokens' | 'cost';
export type Order = 'desc' | 'asc';
/** Tri is a has-… filter: '1' requires, '0' excludes, '' ignores. */
export type Tri = '' | '1' | '0';

/** Thumbs narrows the list to conversations holding an answer a reviewer rated up or down. */
export type Thumbs = '' | 'up' | 'down';

/** Filter is the list query of GET /api/conversations without paging. */
export interface Filter {
  q: string;
  status: Status | '';
  /** Tag ids; all must match. */
  tag: number[];
  model: string;
  host: string;
  /** YYYY-MM-DD, on last activity. */
  from: string;
  to: string;
  hasTools: Tri;
  hasReasoning: Tri;
  hasErrors: Tri;
  /** Quality scores to keep (0: unrated); empty keeps all. */
  score: number[];
  /** Keep conversations holding an answer rated up or down; '' keeps all. */
  thumbs: Thumbs;
  /** Keep conversations holding an answer this gateway forward key asked for (its id); '' keeps all. */
  forwardKey: string;
  sort: Sort;
  order: Order;
}

export interface ListQuery extends Partial<Filter> {
  limit?: number;
  offset?: number;
}

/** ExchangeKind narrows the exchange log: LLM chats, rerank calls, everything else, or failures. */
export type ExchangeKind = '' | 'chat' | 'rerank' | 'other' | 'errors';

export interface ExchangeSummary {
  id: number;
  method: string;
  host: string;
  path: string;
  status: number;
  dialect?: string;
  model?: string;
  stream: boolean;
  aborted: boolean;
  truncated: boolean;
  error?: string;
  parseError?: string;
  start: string;
  durationMs: number;
  firstByteMs: number;
  reqBytes: number;
  respBytes: number;
  /** Answered from the gateway's response cache: never a conversation round. */
  cacheHit?: boolean;
  /** Id of the gateway forward key that made the exchange. */
  forwardKey?: string;
}

export interface Body {
  text?: string;
  base64?: string;
  size: number;
  isBinary?: boolean;
}

export interface ExchangeDetail {
  id: number;
  method: string;
  url: string;
  route: string;
  host: string;
  path: string;
  status: number;
  reqHeader: Record<string, string[]>;
  respHeader: Record<string, string[]>;
  reqBody: Body;
  respBody: Body;
  stream: boolean;
  truncated: boolean;
  aborted: boolean;
  error?: string;
  dialect?: string;
  parseError?: string;
  start: string;
  firstByte: string;
  end: string;
  /** The conversation a message of this exchange is in; absent when none. */
  conversationId?: number;
  /** The answer as the parser reassembled it (a stream's events joined). */
  reply?: { answers: ReplyMessage[]; finishReason?: string; usage: Usage; incomplete?: boolean; costUsd?: number; priceKey?: string };
}

/** BulkTarget is the selection a bulk action applies to: listed ids or everything a filter matches. */
export type BulkTarget = { ids: number[] } | { filter: Record<string, string | string[]> };

export type BulkAction =
  | { action: 'status'; status: Status; reason?: string }
  | { action: 'tag' | 'untag'; tagId: number };

/** ExportFormat names a dataset format the dialog writes (dataset.Formats, without the pair formats). */
export type ExportFormat =
  | 'sharegpt'
  | 'sharegpt-jsonl'
  | 'openai-jsonl'
  | 'messages-jsonl'
  | 'alpaca'
  | 'kto'
  | 'dpo'
  | 'openai-dpo'
  | 'preference-jsonl';

/** ExportFormatSpec mirrors dataset.FormatSpec: one entry of status.exportFormats. */
export interface ExportFormatSpec {
  format: string;
  label: string;
  help: string;
  ext: string;
  mime: string;
  /** Written from preference pairs, not conversations. */
  pairs: boolean;
  /** Keeps "don't train" turns, marked (weight 0, train false). */
  masks: boolean;
  /** Has a field of its own for reasoning (reasoning_content). */
  reasoning?: boolean;
  /** Has a Parquet layout: can be written as a Hugging Face dataset folder. */
  parquet?: boolean;
}
/** ReasoningMode is what an export does with an answer's reasoning ('' : the format's field where it has one, else dropped). */
export type ReasoningMode = '' | 'drop' | 'inline' | 'field';
export type SystemPlacement = 'field' | 'inline';
/** OpenerMode is what an export does with a greeting before the first user turn: into the system prompt, or dropped. */
export type OpenerMode = 'system' | 'drop';

export interface ExportPreview {
  records: unknown[];
  valid: number;
  invalid: number;
  reasons: { reason: string; count: number }[];
  /** A preference format's pairs by the rule that chose their answer. */
  pairsByRule?: Record<string, number>;
  /** Records written only after a safe fix or a cut, by fix. */
  fixes?: Record<string, number>;
}

export interface ExportResult {
  written: number;
  invalid: number;
  path: string;
  invalidPath?: string;
  pairsByRule?: Record<string, number>;
  fixes?: Record<string, number>;
  /** The person closed the save dialog: nothing was written. */
  canceled?: boolean;
  /** Image files written beside the dataset, under images/. */
  images?: number;
  /** Records per split of a dataset folder. */
  splits?: Record<string, number>;
}

/** HealthErrors counts failed exchanges by kind (store.HealthErrors). */
export interface HealthErrors {
  /** 4xx answers by status code, except 408. */
  byStatus?: Record<string, number>;
  server: number;
  timeouts: number;
  cut: number;
  unreachable: number;
  aborted: number;
  other: number;
}

/** HealthRow is the figures of one host or model; latencies in ms over successful exchanges. */
export interface HealthRow {
  name: string;
  requests: number;
  ok: number;
  /** Successful streams, which the first-token figures are over. */
  streams: number;
  successRate: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** First response byte of successful streams: time to first token. */
  ttfbP50Ms: number;
  ttfbP95Ms: number;
  errors: HealthErrors;
}

/** Health is GET /api/health. */
export interface Health {
  since?: string;
  hosts: HealthRow[];
  models: HealthRow[];
}

/** HealthWindow is the window of GET /api/health. */
export type HealthWindow = '24h' | 'all';

export interface Stats {
  byStatus: Partial<Record<Status, number>>;
  byModel: Facet[];
  byDay: { day: string; count: number }[];
  tokens: number;
  recentErrors: ExchangeSummary[];
}

// --- Settings page (GET/PUT /api/settings, capture setup endpoints) ---

/** Settings are what a person can change on the Settings page (app.Settings). */
export interface Settings {
  /** Proxy listen address, e.g. "127.0.0.1:8780". */
  proxyAddr: string;
  /** UI address of `llmtap serve`; the desktop window needs none. */
  uiAddr: string;
  /** Default upstream for requests without a route, e.g. "https://api.openai.com". */
  target: string;
  /** Route name (first path segment) → upstream URL. */
  routes: Record<string, string>;
  /** Hosts captured in MITM mode besides the built-in LLM API hosts. */
  captureHosts: string[];
  mitm: boolean;
  systemProxy: boolean;
  startAtLogin: boolean;
  export: { format: ExportFormat; system: SystemPlacement; statuses: Status[] };
  /** Scanner path patterns the proxy answers 404 without forwarding or storing ("/.env", "/actuator/*", "*.php"). */
  probePaths: string[];
}

/** SettingsState is the answer of GET and PUT /api/settings. */
export interface SettingsState {
  settings: Settings;
  /** Saved settings differ from what this run uses: they apply at the next start. */
  restartNeeded: boolean;
  dataDir: string;
  startAtLoginSupported: boolean;
}

/** SettingsSaveResult is PUT /api/settings: the saved state, or the 400's per-field messages. */
export type SettingsSaveResult =
  | { ok: true; state: SettingsState }
  | { ok: false; error: string; fields: Record<string, string> };

/** SelfTest is the answer of POST /api/selftest: one request followed hop by hop. */
export interface SelfTest {
  mode: 'base' | 'mitm';
  /** What was asked of the proxy, and where the proxy sent it. */
  url: string;
  upstream?: string;
  hops: { name: string; ok: boolean; detail: string }[];
  host: string;
  mitm: boolean;
  caTrusted: boolean;
  captured: boolean;
  /** The HTTP status that came back through the proxy (401 without a key is fine). */
  status: number;
  /** What failed and what to do about it; absent when all is well. */
  problem?: string;
}

/** SystemProxy is the answer of GET and POST /api/system-proxy. */
export interface SystemProxy {
  supported: boolean;
  reason?: string;
  /** "GNOME", "KDE", "macOS", "Windows". */
  backend?: string;
  enabled: boolean;
}

/** EnvVar is one variable of GET /api/proxy-env. */
export interface EnvVar {
  key: string;
  value: string;
}

// --- First run and the exchange inspector (GET /api/presets, /api/problems, /api/exchanges/facets) ---

/** ReplyMessage is an answer the parser reassembled from a response (dataset.Message). */
export interface ReplyMessage {
  role: string;
  content: string;
  reasoning?: string;
  toolCalls?: { id?: string; name: string; arguments: string }[];
}

/** Snippet is one client's settings for a preset, ready to copy. */
export interface Snippet {
  client: string;
  text: string;
  code?: boolean;
}

/** Preset is a provider or local server the first run offers, with this proxy's base URL and client settings. */
export interface Preset {
  id: string;
  name: string;
  local: boolean;
  /** The upstream base URL the target is set to. */
  target: string;
  clientPath: string;
  modelsPath: string;
  dialect: string;
  keyEnv?: string;
  model: string;
  docs: string;
  baseURL: string;
  clients: Snippet[];
}

/** Presets is the answer of GET /api/presets and PUT /api/target. */
export interface Presets {
  presets: Preset[];
  target: string;
  current?: string;
  routes: number;
}

/** Problem is a request the proxy could not route: answered 404, neither forwarded nor captured. */
export interface Problem {
  time: string;
  method: string;
  path: string;
  kind: 'no_target' | 'unknown_route';
  first: string;
  routes?: string[];
  client: string;
}

/** ExchangeFacets are the values the exchange filters offer. */
export interface ExchangeFacets {
  hosts: string[];
  models: string[];
  dialects: string[];
}

/** ExchangeQuery is the exchange log's filter, as GET /api/exchanges takes it. */
export interface ExchangeQuery {
  kind?: ExchangeKind;
  host?: string;
  model?: string;
  dialect?: string;
  status?: string;
  since?: string;
  until?: string;
  q?: string;
  limit?: number;
  offset?: number;
}

// --- Usage and cost (GET /api/usage, GET/PUT /api/prices, GET /api/conversations/{id}/usage) ---

/** UsageCost is one day, model, or day and model of traffic, with its cost at the price table's rate. */
export interface UsageCost {
  day: string;
  model: string;
  requests: number;
  ok: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  /** Parts of inputTokens read from / written to the provider's prompt cache. */
  cachedTokens?: number;
  cacheWriteTokens?: number;
  costUsd: number;
  priced: boolean;
  priceKey?: string;
}

/** UsageReport is the answer of GET /api/usage. */
export interface UsageReport {
  since: string;
  days: number;
  byDay: UsageCost[];
  byModel: UsageCost[];
  byDayModel: UsageCost[];
}

/** Price is what a model costs, in US dollars per million tokens. */
export interface Price {
  input: number;
  cachedInput?: number;
  /** Prompt tokens written to the cache (Anthropic); 0 or absent means input. */
  cacheWrite?: number;
  output: number;
}

/** Prices is the answer of GET and PUT /api/prices: rows keyed by model or by a prefix ending in "*". */
export interface Prices {
  defaults: Record<string, Price>;
  overrides: Record<string, Price>;
}

/** ConversationUsage is the answer of GET /api/conversations/{id}/usage. */
export interface ConversationUsage {
  model: string;
  priced: boolean;
  answers: { messageId: number; input: number; cached: number; cacheWrite: number; output: number; costUsd: number }[];
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
  costUsd: number;
}
