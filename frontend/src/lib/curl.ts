// "Copy as curl" for a captured exchange: the request as it went upstream, with every
// credential (already "[redacted]" in the capture) replaced by a shell variable to fill in.

/** curlRequest is what curlCommand needs of an exchange. */
export interface CurlRequest {
  method: string;
  url: string;
  reqHeader: Record<string, string[]>;
  /** The body as text, or null when it is binary (left out, with a note). */
  body: string | null;
}

// Headers curl sets itself, or that describe one connection rather than the request.
const skip = new Set([
  'host', 'content-length', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'accept-encoding',
]);

// "[redacted]", or "[redacted …3456]" where the proxy kept a key's last four characters as a hint.
const redacted = /\[redacted(?: …[^\]]{0,8})?\]/g;
const hasRedacted = (s: string) => s.search(redacted) >= 0;
/** keyVar is the shell variable a redacted credential becomes. */
export const keyVar = 'API_KEY';

/** sq quotes s for a POSIX shell, in single quotes: nothing inside is expanded. */
export function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** withKey quotes s, which holds a redaction marker, in double quotes with each one made $API_KEY. */
function withKey(s: string): string {
  return `"${s
    .split(redacted)
    .map((part) => part.replace(/[\\"$`]/g, (c) => `\\${c}`))
    .join(`\${${keyVar}}`)}"`;
}

const quote = (s: string) => (hasRedacted(s) ? withKey(s) : sq(s));

/** curlCommand renders r as a curl command line, one option per line. */
export function curlCommand(r: CurlRequest): string {
  const lines = [`curl${r.method === 'GET' && r.body === '' ? '' : ` -X ${r.method}`} ${quote(r.url)}`];
  const names = Object.keys(r.reqHeader ?? {}).sort((a, b) => a.localeCompare(b));
  for (const name of names) {
    if (skip.has(name.toLowerCase())) continue;
    for (const v of r.reqHeader[name]) lines.push(`-H ${quote(`${name}: ${v}`)}`);
  }
  if (r.body === null) lines.push('# the request body was binary and is left out');
  else if (r.body !== '') lines.push(`--data-raw ${quote(r.body)}`);
  return lines.join(' \\\n  ');
}
