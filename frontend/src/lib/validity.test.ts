import { describe, expect, it } from 'vitest';
import { loadValidityFormat, validityFormatKey, validityPath, validityText, type Validity } from './validity';

describe('validityText', () => {
  const tests: { name: string; v: Validity; label?: string; want: string }[] = [
    { name: 'valid', v: { format: 'sharegpt-jsonl', valid: true, records: 1, reasons: [] }, label: 'ShareGPT', want: 'Valid for ShareGPT: 1 record' },
    {
      name: 'valid_after_fixes',
      v: { format: 'alpaca', valid: true, records: 2, reasons: [], fixes: { 'merged consecutive observations': 1, 'joined answers': 2 } },
      want: 'Valid for alpaca: 2 records after joined answers ×2, merged consecutive observations',
    },
    {
      name: 'pairs',
      v: { format: 'dpo', valid: true, records: 3, reasons: [], pairsByRule: { newest: 2, reviewer_edit: 1 } },
      want: 'Valid for dpo: 3 pairs',
    },
    { name: 'invalid', v: { format: 'sharegpt-jsonl', valid: false, records: 0, reasons: ['no assistant answer'] }, want: 'Not valid for sharegpt-jsonl: no assistant answer' },
    {
      name: 'partly_reasons_once',
      v: { format: 'kto', valid: false, records: 1, reasons: ['cut at round 2', 'cut at round 2', 'empty answer'] },
      want: 'Partly valid for kto (1 record): cut at round 2; empty answer',
    },
    { name: 'no_reason', v: { format: 'kto', valid: false, records: 0, reasons: [] }, want: 'Not valid for kto: no record' },
  ];
  for (const tt of tests) it(tt.name, () => expect(validityText(tt.v, tt.label)).toBe(tt.want));
});

describe('validity format and path', () => {
  const store = (v: string | null) => ({ getItem: (k: string) => (k === validityFormatKey ? v : null) });
  const formats = ['sharegpt', 'openai-jsonl', 'dpo'];
  it('loads the saved format only when offered', () =>
    expect([loadValidityFormat(store('dpo'), formats), loadValidityFormat(store('csv'), formats), loadValidityFormat(store(null), formats), loadValidityFormat(store(null), [])]).toEqual([
      'dpo',
      'sharegpt',
      'sharegpt',
      'sharegpt',
    ]));
  it('renders the path', () => {
    expect(validityPath(7, 'openai-jsonl')).toBe('/conversations/7/validity?format=openai-jsonl');
    expect(validityPath(7, 'dpo', 'signalled')).toBe('/conversations/7/validity?format=dpo&pairs=signalled');
  });
});
