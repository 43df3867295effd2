import { describe, expect, it } from 'vitest';
import { curlCommand, sq } from './curl';

describe('curlCommand', () => {
  const cases: { name: string; req: Parameters<typeof curlCommand>[0]; want: string }[] = [
    {
      name: 'chat_with_redacted_key',
      req: {
        method: 'POST',
        url: 'https://api.openai.com/v1/chat/completions',
        reqHeader: {
          Authorization: ['Bearer [redacted …3456]'],
          'Content-Type': ['application/json'],
          'Content-Length': ['42'],
          'Accept-Encoding': ['gzip'],
        },
        body: '{"model":"gpt-4o","messages":[{"role":"user","content":"it\'s 13.0"}]}',
      },
      want:
        "curl -X POST 'https://api.openai.com/v1/chat/completions' \\\n" +
        '  -H "Authorization: Bearer ${API_KEY}" \\\n' +
        "  -H 'Content-Type: application/json' \\\n" +
        `  --data-raw '{"model":"gpt-4o","messages":[{"role":"user","content":"it'\\''s 13.0"}]}'`,
    },
    {
      name: 'get_with_key_in_query',
      req: { method: 'GET', url: 'https://generativelanguage.googleapis.com/v1beta/models?key=[redacted]&x=$y', reqHeader: {}, body: '' },
      want: 'curl "https://generativelanguage.googleapis.com/v1beta/models?key=${API_KEY}&x=\\$y"',
    },
    {
      name: 'binary_body',
      req: { method: 'POST', url: 'http://127.0.0.1:5000/upload', reqHeader: { 'X-Api-Key': ['[redacted]'] }, body: null },
      want:
        "curl -X POST 'http://127.0.0.1:5000/upload' \\\n" +
        '  -H "X-Api-Key: ${API_KEY}" \\\n' +
        '  # the request body was binary and is left out',
    },
  ];
  for (const c of cases) it(c.name, () => expect(curlCommand(c.req)).toBe(c.want));

  it('never prints a redaction marker or a credential', () => {
    const out = curlCommand({ method: 'POST', url: 'https://x/v1', reqHeader: { 'x-api-key': ['[redacted]'] }, body: '{"api_key":"[redacted]"}' });
    expect(out).not.toContain('[redacted]');
    expect(out).toContain('${API_KEY}');
  });
});

describe('sq', () => {
  it('quotes single quotes', () => expect(sq("a'b")).toBe(`'a'\\''b'`));
});
