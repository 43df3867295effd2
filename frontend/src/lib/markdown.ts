// Markdown for message text: marked renders, highlight.js (core plus a few languages) colours
// code blocks, DOMPurify sanitizes everything before it reaches {@html}. Captured text is
// untrusted (a model or a web page may have written it), so nothing skips the sanitizer.
import { Marked } from 'marked';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = { bash, css, go, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['golang'], { languageName: 'go' });
hljs.registerAliases(['rs'], { languageName: 'rust' });

/** escapeHTML escapes text for use inside HTML elements and attributes. */
export function escapeHTML(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * highlight returns code as HTML with highlight.js spans when lang names a registered
 * language, and escaped plain text otherwise (no auto-detection: it guesses wrong on prose).
 */
export function highlight(code: string, lang: string | undefined): string {
  const name = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
  if (name && hljs.getLanguage(name)) return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  return escapeHTML(code);
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    code({ text, lang }) {
      const cls = lang ? ` class="language-${escapeHTML(lang.split(/\s+/)[0])}"` : '';
      return `<pre class="hljs"><code${cls}>${highlight(text, lang)}</code></pre>\n`;
    },
  },
});

let hooked = false;
function purify(html: string): string {
  if (!hooked) {
    // Links open outside the app: in the desktop window a click would otherwise replace the UI.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
    hooked = true;
  }
  // No remote images or forms: a captured page must not make the reviewer's browser fetch
  // anything. Message images come from /api/media instead.
  return DOMPurify.sanitize(html, { FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'iframe'] });
}

const cache = new Map<string, string>();
const cacheSize = 300;

/** renderMarkdown renders message text to sanitized HTML (memoized for the last few hundred texts). */
export function renderMarkdown(text: string): string {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const html = purify(marked.parse(text, { async: false }));
  if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
  cache.set(text, html);
  return html;
}

/** sanitizeSnippet allows only <mark> in a server search snippet (already HTML-escaped there). */
export function sanitizeSnippet(html: string): string {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [] });
}
