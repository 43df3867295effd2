// renderMarkdown needs a DOM (DOMPurify); the e2e test covers it in Chromium. Here: the pure parts.
import { describe, expect, it } from 'vitest';
import { escapeHTML, highlight } from './markdown';

describe('highlight', () => {
  it('known_language', () => expect(highlight('const x = 1;', 'js')).toContain('<span class="hljs-keyword">const</span>'));
  it('info_string_words', () => expect(highlight('x = 1', 'python title="a.py"')).toContain('hljs-'));
  it('unknown_language_escaped', () => expect(highlight('<b>&</b>', 'brainfuck')).toBe('&#60;b&#62;&#38;&#60;/b&#62;'));
  it('no_language_escaped', () => expect(highlight('a<b', undefined)).toBe('a&#60;b'));
});

describe('escapeHTML', () => {
  it('quotes', () => expect(escapeHTML(`"'`)).toBe('&#34;&#39;'));
});
