// Dragging an export out of the window as a file. In the desktop app the page cancels
// the webview's own drag and asks for the OS one (POST /api/drag), which hands the file
// to whatever it is dropped on; in a browser the drag carries a DownloadURL (Chromium:
// the drop downloads GET /api/export/download there), and a click downloads it.
import { api, exportFilterObject, exportQuery } from './api';
import { defaultFilter } from './route';
import type { AppStatus, ExportFormat, Filter, OpenerMode, ReasoningMode, SystemPlacement } from './types';

/** DragSpec is what a drag handle exports: everything a filter takes, or conversations by id. */
export interface DragSpec {
  format: ExportFormat;
  system: SystemPlacement;
  /** Absent: the server's default (system). */
  opener?: OpenerMode;
  /** Absent or '': the server's default (the format's reasoning field, else dropped). */
  reasoning?: ReasoningMode;
  /** As the export takes it: without a status, everything not rejected. */
  filter?: Filter;
  /** With filter: keep conversations scored this (1–5) or better; absent or 0 keeps any. */
  minScore?: number;
  /** These conversations, in this order, whatever their status (instead of filter). */
  ids?: number[];
  /** The file name the drop creates. */
  name: string;
}

/** DragWay is how a drag leaves the page: the OS drag of the desktop app, or the browser's. */
export type DragWay = 'native' | 'browser';

/** dragWay picks the OS drag where the server offers it (status.nativeDrag). */
export function dragWay(status: Pick<AppStatus, 'nativeDrag'> | null | undefined): DragWay {
  return status?.nativeDrag ? 'native' : 'browser';
}

/**
 * defaultName is the name the server gives an export in format when none is given
 * (status.exportNames: llmtap-2026-11-22.json, llmtap-dpo-2026-11-22.jsonl, …), or,
 * before the first status arrives, a plain one with the right extension.
 */
export function defaultName(format: ExportFormat, status: Pick<AppStatus, 'exportNames'> | null | undefined): string {
  return status?.exportNames?.[format] ?? `llmtap-export.${format === 'sharegpt' ? 'json' : 'jsonl'}`;
}

/** conversationName names one dragged conversation after its title: plan-a-weekend-in-lisbon.json. */
export function conversationName(title: string, id: number): string {
  const slug = title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || `conversation-${id}`}.json`;
}

/** downloadPath is GET /api/export/download for the spec (the browser's drag and link). */
export function downloadPath(spec: DragSpec): string {
  const filter = spec.ids ? defaultFilter() : (spec.filter ?? defaultFilter());
  const q = new URLSearchParams(exportQuery({ format: spec.format, system: spec.system, opener: spec.opener, reasoning: spec.reasoning, filter, minScore: spec.ids ? 0 : spec.minScore }).slice(1));
  if (spec.ids) q.set('ids', spec.ids.join(','));
  q.set('name', spec.name);
  return `/api/export/download?${q.toString()}`;
}

/** downloadURLData is Chromium's DownloadURL drag data: "mime:file name:absolute URL". */
export function downloadURLData(spec: DragSpec, origin: string): string {
  const mime = spec.format === 'sharegpt' ? 'application/json' : 'application/x-ndjson';
  return `${mime}:${spec.name}:${new URL(downloadPath(spec), origin).href}`;
}

/** dragBody is the body of POST /api/drag. */
export function dragBody(spec: DragSpec): Record<string, unknown> {
  const scope = spec.ids ? { ids: spec.ids } : { filter: exportFilterObject(spec.filter ?? defaultFilter(), spec.minScore) };
  return {
    format: spec.format,
    system: spec.system,
    ...(spec.opener ? { opener: spec.opener } : {}),
    ...(spec.reasoning ? { reasoning: spec.reasoning } : {}),
    ...scope,
    name: spec.name,
  };
}

/** DragTransfer is the part of a DataTransfer a drag sets. */
export type DragTransfer = Pick<DataTransfer, 'setData' | 'effectAllowed'>;

/** DragOptions say how startDrag goes: the way, the page's origin, and where a failure goes. */
export interface DragOptions {
  way: DragWay;
  /** The page's origin, for the DownloadURL (location.origin). */
  origin: string;
  onError: (err: unknown) => void;
  /** Starts the OS drag; POST /api/drag unless a test says otherwise. */
  native?: (body: Record<string, unknown>) => Promise<unknown>;
}

/**
 * startDrag handles a drag handle's dragstart. The desktop way cancels the page's drag and
 * starts the OS one while the button is still down; the browser way fills the drag data.
 */
export function startDrag(
  e: Pick<DragEvent, 'preventDefault'> & { dataTransfer: DragTransfer | null },
  spec: DragSpec,
  o: DragOptions,
): void {
  if (o.way === 'native') {
    e.preventDefault();
    (o.native ?? api.drag)(dragBody(spec)).catch(o.onError);
    return;
  }
  const dt = e.dataTransfer;
  if (!dt) return;
  const url = new URL(downloadPath(spec), o.origin).href;
  dt.setData('DownloadURL', downloadURLData(spec, o.origin));
  dt.setData('text/uri-list', url);
  dt.setData('text/plain', url);
  dt.effectAllowed = 'copy';
}

/** builtinFormats are offered before the first status arrives (or by an older server). */
const builtinFormats: { format: ExportFormat; label: string }[] = [
  { format: 'sharegpt', label: 'ShareGPT (one JSON array)' },
  { format: 'sharegpt-jsonl', label: 'ShareGPT JSONL (one record per line)' },
];

/**
 * dialogFormats are the formats the Export dialog and its drag-out offer: the server's
 * list (status.exportFormats), the pair formats among them (the dialog exports by
 * filter, which they take; a drag of picked conversations offers no format list).
 */
export function dialogFormats(status: Pick<AppStatus, 'exportFormats'> | null | undefined): { format: ExportFormat; label: string; parquet: boolean }[] {
  const list = status?.exportFormats;
  return list?.length
    ? list.map((f) => ({ format: f.format as ExportFormat, label: f.label, parquet: !!f.parquet }))
    : builtinFormats.map((f) => ({ ...f, parquet: true }));
}
