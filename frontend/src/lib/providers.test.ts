import { describe, expect, it } from 'vitest';
import {
  checkProvider,
  compact,
  errorLine,
  errorList,
  forwardKeyList,
  forwardKeyRequest,
  keyDisplay,
  limitText,
  lineNumbers,
  ms,
  providerRequest,
  savedNote,
  splitList,
  stateText,
} from './providers';

describe('keyDisplay', () => {
  it.each([
    ['${DEEPSEEK_KEY}', '${DEEPSEEK_KEY}', 'env'],
    ['${keychain:groq-1}', 'keychain: groq-1', 'keychain'],
    ['…cdef', '••••cdef', 'literal'],
    ['key 2', 'key 2', 'literal'],
    // Were the server ever to send a whole key, no more than four characters show.
    ['sk-live-0123456789abcdef', '••••cdef', 'literal'],
  ])('%s', (label, text, kind) => {
    expect(keyDisplay(label)).toEqual({ text, kind });
  });
});

describe('providerRequest', () => {
  it('turns the form into the POST body', () => {
    const body = providerRequest({
      name: ' groq ',
      kind: 'openai',
      baseUrl: ' https://api.groq.com/openai/v1 ',
      keys: 'gsk-one\n\n  ${GROQ_KEY}  \n',
      models: 'llama-3.3-70b, qwen-*\n,',
    });
    expect(body).toEqual({
      name: 'groq',
      kind: 'openai',
      base_url: 'https://api.groq.com/openai/v1',
      keys: ['gsk-one', '${GROQ_KEY}'],
      models: ['llama-3.3-70b', 'qwen-*'],
    });
  });
  it('checks what the server would refuse', () => {
    expect(checkProvider({ name: '', kind: 'openai', baseUrl: 'api.x', keys: '', models: ' , ' })).toEqual({
      name: expect.any(String),
      baseUrl: expect.any(String),
      models: expect.any(String),
      keys: expect.any(String),
    });
    expect(checkProvider({ name: 'local', kind: 'ollama', baseUrl: 'http://127.0.0.1:11434', keys: '', models: 'qwen3:8b' })).toEqual({});
  });
});

describe('display', () => {
  it('stateText', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(stateText({ state: 'cooling', reason: 'rate limited', until: '2026-12-04T10:00:30Z' }, now)).toBe('cooling down for 30s (rate limited)');
    expect(stateText({ state: 'disabled', reason: 'HTTP 401' })).toBe('disabled: HTTP 401');
    expect(stateText({ state: 'healthy' })).toBe('healthy');
  });
  it('ms', () => {
    expect(ms(0, 0)).toBe('–');
    expect(ms(12.4, 3)).toBe('12 ms');
    expect(ms(12_345, 3)).toBe('12.3 s');
  });
  it('errorList sorts by count', () => {
    expect(errorList({ requests: 9, tokensIn: 0, tokensOut: 0, errors: { server: 1, auth: 3, timeout: 0 } })).toEqual([
      ['auth', 3],
      ['server', 1],
    ]);
  });
  it('limits', () => {
    expect(limitText({ rpm: 60, tpm: 200000 })).toBe('60 rpm · 200k tpm');
    expect(limitText({})).toBe('no limits');
    expect(compact(1_500_000)).toBe('1.5M');
  });
  it('lines and errors', () => {
    expect(lineNumbers('a\nb\n')).toBe('1\n2\n3');
    expect(errorLine({ line: 4, field: 'providers[0].kind', error: 'unknown kind' })).toBe('line 4, providers[0].kind: unknown kind');
    expect(errorLine({ line: 0, field: '', error: 'bad' })).toBe('bad');
  });
});

describe('forward keys', () => {
  it('accepts a list or an object', () => {
    const k = { id: '1', name: 'ci' };
    expect(forwardKeyList([k])).toEqual([k]);
    expect(forwardKeyList({ keys: [k] })).toEqual([k]);
    expect(forwardKeyList(null)).toEqual([]);
  });
  it('builds the POST body', () => {
    expect(forwardKeyRequest({ name: ' ci ', models: 'deepseek-*', rpm: '60', tpm: '', tpd: 'x', expires: '2027-06-30' })).toEqual({
      name: 'ci',
      models: ['deepseek-*'],
      rpm: 60,
      tpm: 0,
      tpd: 0,
      expires: '2027-06-30',
    });
    expect(splitList('a,,b')).toEqual(['a', 'b']);
  });
});

describe('savedNote', () => {
  it.each([
    ['nothing_moved', {}, 'Saved: the gateway uses it now.'],
    ['empty_list', { moved: [] }, 'Saved: the gateway uses it now.'],
    [
      'one',
      { moved: [{ line: 6, field: 'providers[0].keys[2]', ref: '${keychain:deepseek-1}' }] },
      'Saved: the gateway uses it now. The key typed in went to the OS keychain, the file refers to it: providers[0].keys[2] (line 6) → ${keychain:deepseek-1}.',
    ],
    [
      'two',
      {
        moved: [
          { line: 6, field: 'providers[0].keys[2]', ref: '${keychain:deepseek-1}' },
          { line: 15, field: 'providers[2].keys', ref: '${keychain:groq-1}' },
        ],
      },
      'Saved: the gateway uses it now. 2 keys typed in went to the OS keychain, the file refers to them: providers[0].keys[2] (line 6) → ${keychain:deepseek-1}, providers[2].keys (line 15) → ${keychain:groq-1}.',
    ],
  ])('%s', (_, c, want) => expect(savedNote(c)).toBe(want));
});
