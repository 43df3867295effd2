import { describe, expect, it } from 'vitest';
import {
  addRoute,
  checkForm,
  defaultForm,
  envBlock,
  fieldId,
  firstErrorKey,
  fromForm,
  mapFieldErrors,
  proxyError,
  removeAt,
  savedMessage,
  toForm,
  toggleStatus,
  unplaced,
  type SettingsForm,
} from './settings';
import type { AppStatus, Settings } from './types';

const settings = (): Settings => ({
  proxyAddr: '127.0.0.1:8780',
  uiAddr: '127.0.0.1:8781',
  target: 'https://api.openai.com',
  routes: { zeta: 'https://z.example', local: 'http://127.0.0.1:11434' },
  captureHosts: ['llm.internal'],
  mitm: true,
  systemProxy: false,
  startAtLogin: false,
  export: { format: 'sharegpt-jsonl', system: 'inline', statuses: ['confirmed'] },
  probePaths: ['/.env', '/actuator/*'],
});

const form = (change: Partial<SettingsForm> = {}): SettingsForm => ({ ...toForm(settings()), ...change });

describe('toForm', () => {
  it('sorts_routes_by_name', () => {
    expect(toForm(settings()).routes).toEqual([
      { name: 'local', url: 'http://127.0.0.1:11434' },
      { name: 'zeta', url: 'https://z.example' },
    ]);
  });
  it('null_lists_become_empty', () => {
    const s = { ...settings(), routes: null, captureHosts: null, probePaths: null } as unknown as Settings;
    const f = toForm(s);
    expect(f.routes).toEqual([]);
    expect(f.probePaths).toBe('');
    expect(f.captureHosts).toEqual([]);
  });
  it('copies_lists', () => {
    const s = settings();
    const f = toForm(s);
    f.captureHosts.push('x');
    f.export.statuses.push('rejected');
    expect(s.captureHosts).toEqual(['llm.internal']);
    expect(s.export.statuses).toEqual(['confirmed']);
  });
});

describe('fromForm', () => {
  const tests: { name: string; form: SettingsForm; want: Partial<Settings> }[] = [
    { name: 'round_trip', form: form(), want: settings() },
    {
      name: 'trims_and_drops_blank_rows',
      form: form({
        proxyAddr: ' 127.0.0.1:9000 ',
        routes: [{ name: ' a ', url: ' http://a.example ' }, { name: ' ', url: '' }],
        captureHosts: ['', ' h.example ', '  '],
        probePaths: ' /.env \n\n*.php\n  ',
      }),
      want: { proxyAddr: '127.0.0.1:9000', routes: { a: 'http://a.example' }, captureHosts: ['h.example'], probePaths: ['/.env', '*.php'] },
    },
    {
      name: 'statuses_in_canonical_order',
      form: form({ export: { format: 'sharegpt', system: 'field', statuses: ['rejected', 'unreviewed'] } }),
      want: { export: { format: 'sharegpt', system: 'field', statuses: ['unreviewed', 'rejected'] } },
    },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(fromForm(tt.form)).toMatchObject(tt.want));
  }
  it('keeps_a_half_filled_route_for_the_server', () => {
    expect(fromForm(form({ routes: [{ name: 'x', url: '' }] })).routes).toEqual({ x: '' });
  });
});

describe('list_editing', () => {
  it('add_route_appends_an_empty_row', () => {
    expect(addRoute([{ name: 'a', url: 'u' }])).toEqual([{ name: 'a', url: 'u' }, { name: '', url: '' }]);
  });
  it('remove_at', () => {
    expect(removeAt(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
    expect(removeAt(['a'], 5)).toEqual(['a']);
  });
  const toggles = [
    { name: 'add_keeps_order', list: ['rejected'], s: 'unreviewed', on: true, want: ['unreviewed', 'rejected'] },
    { name: 'add_twice', list: ['confirmed'], s: 'confirmed', on: true, want: ['confirmed'] },
    { name: 'remove', list: ['unreviewed', 'confirmed'], s: 'unreviewed', on: false, want: ['confirmed'] },
  ] as const;
  for (const tt of toggles) {
    it(`toggle_status_${tt.name}`, () => expect(toggleStatus([...tt.list], tt.s, tt.on)).toEqual(tt.want));
  }
});

describe('mapFieldErrors', () => {
  const f = form({
    routes: [{ name: 'a', url: 'ok' }, { name: ' local ', url: 'bad' }],
    captureHosts: ['', 'good.example', '', 'bad host'],
  });
  const tests: { name: string; fields: Record<string, string>; want: Record<string, string> }[] = [
    { name: 'plain_field', fields: { proxyAddr: 'in use' }, want: { proxyAddr: 'in use' } },
    { name: 'route_by_name', fields: { 'routes.local': 'bad url' }, want: { 'route.1': 'bad url' } },
    { name: 'unknown_route_kept', fields: { 'routes.gone': 'x' }, want: { 'routes.gone': 'x' } },
    { name: 'host_index_skips_blanks', fields: { 'captureHosts.1': 'has a space' }, want: { 'host.3': 'has a space' } },
    { name: 'host_index_out_of_range', fields: { 'captureHosts.9': 'x' }, want: { 'captureHosts.9': 'x' } },
    { name: 'export', fields: { 'export.format': 'must be' }, want: { 'export.format': 'must be' } },
    { name: 'probe_to_textarea', fields: { 'probePaths.2': 'must start with /' }, want: { probePaths: 'must start with /' } },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(mapFieldErrors(tt.fields, f)).toEqual(tt.want));
  }
});

describe('unplaced', () => {
  it('lists_keys_without_a_field', () => {
    expect(unplaced({ proxyAddr: 'a', 'route.0': 'b', 'routes.gone': 'c', weird: 'd' })).toEqual(['routes.gone: c', 'weird: d']);
  });
});

describe('checkForm', () => {
  const tests: { name: string; form: SettingsForm; want: Record<string, string> }[] = [
    { name: 'valid', form: form(), want: {} },
    { name: 'blank_rows_ignored', form: form({ routes: [{ name: '', url: ' ' }] }), want: {} },
    {
      name: 'duplicate_route_names',
      form: form({ routes: [{ name: 'a', url: 'http://1' }, { name: ' a', url: 'http://2' }] }),
      want: { 'route.1': 'another route is already named "a"' },
    },
    {
      name: 'url_without_name',
      form: form({ routes: [{ name: '', url: 'http://1' }] }),
      want: { 'route.0': 'give the route a name: clients use it as the first path segment' },
    },
    { name: 'name_without_url', form: form({ routes: [{ name: 'a', url: '' }] }), want: { 'route.0': 'enter the URL to forward this route to' } },
    {
      name: 'same_addresses',
      form: form({ uiAddr: '127.0.0.1:8780 ' }),
      want: { uiAddr: 'the UI needs another address than the proxy' },
    },
    { name: 'system_proxy_needs_mitm', form: form({ mitm: false, systemProxy: true }), want: { systemProxy: 'needs MITM mode: turn on MITM too' } },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(checkForm(tt.form)).toEqual(tt.want));
  }
  it('default_form_is_valid', () => expect(checkForm(defaultForm())).toEqual({}));
});

describe('fieldId_and_firstErrorKey', () => {
  it('field_id', () => {
    expect(fieldId('proxyAddr')).toBe('settings-proxyAddr');
    expect(fieldId('route.2')).toBe('settings-route-2');
    expect(fieldId('export.format')).toBe('settings-export-format');
  });
  const tests: { name: string; errors: Record<string, string>; want: string | undefined }[] = [
    { name: 'none', errors: {}, want: undefined },
    { name: 'page_order', errors: { 'export.format': 'x', target: 'y', 'route.0': 'z' }, want: 'target' },
    { name: 'lower_row_first', errors: { 'route.10': 'x', 'route.2': 'y' }, want: 'route.2' },
    { name: 'ignores_unplaced', errors: { weird: 'x', 'host.1': 'y' }, want: 'host.1' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(firstErrorKey(tt.errors)).toBe(tt.want));
  }
});

describe('envBlock', () => {
  const tests = [
    { name: 'empty', vars: [], want: '' },
    {
      name: 'plain_values',
      vars: [
        { key: 'HTTPS_PROXY', value: 'http://127.0.0.1:8780' },
        { key: 'NODE_EXTRA_CA_CERTS', value: '/home/a/.local/share/llmtap/ca.pem' },
      ],
      want: 'export HTTPS_PROXY=http://127.0.0.1:8780\nexport NODE_EXTRA_CA_CERTS=/home/a/.local/share/llmtap/ca.pem',
    },
    { name: 'space_quoted', vars: [{ key: 'X', value: '/Users/a b/ca.pem' }], want: "export X='/Users/a b/ca.pem'" },
    { name: 'quote_escaped', vars: [{ key: 'X', value: "it's" }], want: "export X='it'\\''s'" },
    { name: 'empty_value', vars: [{ key: 'X', value: '' }], want: "export X=''" },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(envBlock(tt.vars)).toBe(tt.want));
  }
});

describe('messages', () => {
  it('saved_without_restart', () => expect(savedMessage(false)).toBe('Saved.'));
  it('saved_with_restart', () => expect(savedMessage(true)).toMatch(/applies at the next start/));
  it('proxy_error', () => {
    const s = { proxyAddr: '127.0.0.1:8780' } as AppStatus;
    expect(proxyError(null)).toBe('');
    expect(proxyError(s)).toBe('');
    expect(proxyError({ ...s, proxyError: 'address in use' } as AppStatus)).toBe('address in use');
  });
});
