// Pure helpers of the Settings page: Settings ⇄ the editable form, list editing, mapping
// the server's per-field errors (docs/api.md, PUT /api/settings) onto form fields, the
// checks the server cannot make (duplicate route names), and the copyable env block.
import { statuses, type AppStatus, type EnvVar, type Settings, type Status } from './types';

/** RouteRow is one editable NAME → URL line of the routes list. */
export interface RouteRow {
  name: string;
  url: string;
}

/** SettingsForm is Settings as the form edits it: routes as ordered rows, the probe list as one pattern a line, raw strings. */
export interface SettingsForm extends Omit<Settings, 'routes' | 'probePaths'> {
  routes: RouteRow[];
  probePaths: string;
}

/**
 * FieldErrors maps form keys to messages. Keys are the server's (proxyAddr, target,
 * export.format, …) except for list rows, which use the form's row index: route.2 is the
 * third route row, host.0 the first capture-host row, so a message stays on its row.
 */
export type FieldErrors = Record<string, string>;

/** defaultForm is the form before the server answered. */
export function defaultForm(): SettingsForm {
  return {
    proxyAddr: '',
    uiAddr: '',
    target: '',
    routes: [],
    captureHosts: [],
    mitm: false,
    systemProxy: false,
    startAtLogin: false,
    export: { format: 'sharegpt', system: 'field', statuses: ['unreviewed', 'confirmed'] },
    probePaths: '',
  };
}

/** toForm copies s into a fresh form; routes are sorted by name, missing lists are empty. */
export function toForm(s: Settings): SettingsForm {
  const routes = Object.entries(s.routes ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, url]) => ({ name, url }));
  return {
    proxyAddr: s.proxyAddr ?? '',
    uiAddr: s.uiAddr ?? '',
    target: s.target ?? '',
    routes,
    captureHosts: [...(s.captureHosts ?? [])],
    mitm: !!s.mitm,
    systemProxy: !!s.systemProxy,
    startAtLogin: !!s.startAtLogin,
    export: {
      format: s.export?.format ?? 'sharegpt',
      system: s.export?.system ?? 'field',
      statuses: [...(s.export?.statuses ?? [])],
    },
    probePaths: (s.probePaths ?? []).join('\n'),
  };
}

const blankRoute = (r: RouteRow) => r.name.trim() === '' && r.url.trim() === '';

/** fromForm is the Settings to PUT: values trimmed, blank rows dropped, statuses in canonical order. */
export function fromForm(f: SettingsForm): Settings {
  const routes: Record<string, string> = {};
  for (const r of f.routes) if (!blankRoute(r)) routes[r.name.trim()] = r.url.trim();
  return {
    proxyAddr: f.proxyAddr.trim(),
    uiAddr: f.uiAddr.trim(),
    target: f.target.trim(),
    routes,
    captureHosts: f.captureHosts.map((h) => h.trim()).filter((h) => h !== ''),
    mitm: f.mitm,
    systemProxy: f.systemProxy,
    startAtLogin: f.startAtLogin,
    export: {
      format: f.export.format,
      system: f.export.system,
      statuses: statuses.filter((s) => f.export.statuses.includes(s)),
    },
    probePaths: f.probePaths
      .split('\n')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  };
}

/** addRoute appends an empty row. */
export function addRoute(rows: RouteRow[]): RouteRow[] {
  return [...rows, { name: '', url: '' }];
}

/** removeAt returns list without its i-th item. */
export function removeAt<T>(list: readonly T[], i: number): T[] {
  return list.filter((_, j) => j !== i);
}

/** toggleStatus adds or removes s from the export statuses. */
export function toggleStatus(list: readonly Status[], s: Status, on: boolean): Status[] {
  const without = list.filter((x) => x !== s);
  return on ? statuses.filter((x) => x === s || without.includes(x)) : without;
}

/**
 * mapFieldErrors moves the server's field keys onto the form: routes.NAME goes to the row
 * with that name, captureHosts.K to the row of the K-th non-blank host (fromForm drops
 * blanks, so the indexes differ). Keys it cannot place are kept as they are.
 */
export function mapFieldErrors(fields: Record<string, string>, f: SettingsForm): FieldErrors {
  const out: FieldErrors = {};
  const hostRows = f.captureHosts.flatMap((h, i) => (h.trim() === '' ? [] : [i]));
  for (const [key, msg] of Object.entries(fields)) {
    let mapped = key;
    if (key.startsWith('routes.')) {
      const name = key.slice('routes.'.length);
      const i = f.routes.findIndex((r) => r.name.trim() === name);
      if (i >= 0) mapped = `route.${i}`;
    } else if (/^captureHosts\.\d+$/.test(key)) {
      const i = hostRows[Number(key.slice('captureHosts.'.length))];
      if (i !== undefined) mapped = `host.${i}`;
    } else if (/^probePaths\.\d+$/.test(key)) {
      mapped = 'probePaths'; // one textarea: its message names the pattern
    }
    out[mapped] = out[mapped] ? `${out[mapped]}; ${msg}` : msg;
  }
  return out;
}

/** placedKeys are the form keys that have an input to show their message next to. */
export function isPlaced(key: string): boolean {
  return (
    /^(route|host)\.\d+$/.test(key) ||
    ['proxyAddr', 'uiAddr', 'target', 'mitm', 'systemProxy', 'startAtLogin', 'export.format', 'export.system', 'export.statuses', 'probePaths'].includes(key)
  );
}

/** unplaced lists the messages whose key has no field on the form, as "key: message". */
export function unplaced(errors: FieldErrors): string[] {
  return Object.entries(errors)
    .filter(([k]) => !isPlaced(k))
    .map(([k, m]) => `${k}: ${m}`);
}

/**
 * checkForm finds what the JSON body cannot even express or what the server would reject
 * in a less helpful way: two routes with one name (an object keeps only one), a route with
 * a name and no URL or the reverse, and the proxy and UI on one address. URLs and
 * addresses are left to the server, which knows the rules.
 */
export function checkForm(f: SettingsForm): FieldErrors {
  const out: FieldErrors = {};
  const seen = new Map<string, number>();
  f.routes.forEach((r, i) => {
    if (blankRoute(r)) return;
    const name = r.name.trim();
    if (name === '') out[`route.${i}`] = 'give the route a name: clients use it as the first path segment';
    else if (r.url.trim() === '') out[`route.${i}`] = 'enter the URL to forward this route to';
    else if (seen.has(name)) out[`route.${i}`] = `another route is already named "${name}"`;
    if (name !== '' && !seen.has(name)) seen.set(name, i);
  });
  if (f.proxyAddr.trim() !== '' && f.proxyAddr.trim() === f.uiAddr.trim()) {
    out.uiAddr = 'the UI needs another address than the proxy';
  }
  if (f.systemProxy && !f.mitm) out.systemProxy = 'needs MITM mode: turn on MITM too';
  return out;
}

/** fieldId is the DOM id of the input that shows key's message, for focusing the first error. */
export function fieldId(key: string): string {
  return `settings-${key.replace(/\./g, '-')}`;
}

/** firstErrorKey is the error key whose input comes first on the page, or undefined. */
export function firstErrorKey(errors: FieldErrors): string | undefined {
  const order = ['proxyAddr', 'uiAddr', 'target', 'route', 'host', 'mitm', 'systemProxy', 'startAtLogin', 'export', 'probePaths'];
  const rank = (k: string) => {
    const i = order.findIndex((p) => k === p || k.startsWith(`${p}.`));
    const row = Number(/\.(\d+)$/.exec(k)?.[1] ?? 0);
    return (i < 0 ? order.length : i) * 10000 + row;
  };
  return Object.keys(errors)
    .filter(isPlaced)
    .sort((a, b) => rank(a) - rank(b))[0];
}

function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]*$/.test(v) && v !== '' ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** envBlock renders vars as `export K=V` lines for a POSIX shell, quoting values that need it. */
export function envBlock(vars: readonly EnvVar[]): string {
  return vars.map((v) => `export ${v.key}=${shellQuote(v.value)}`).join('\n');
}

/** savedMessage is what the page says after a successful save. */
export function savedMessage(restartNeeded: boolean): string {
  return restartNeeded
    ? 'Saved. This applies at the next start: restart llmtap to use the new addresses, routes, capture hosts or MITM setting.'
    : 'Saved.';
}

/** proxyError is why the proxy is not listening, from /api/status, or "". */
export function proxyError(s: AppStatus | null): string {
  return (s as { proxyError?: string } | null)?.proxyError ?? '';
}
