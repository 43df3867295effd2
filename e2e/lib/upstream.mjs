// A fake OpenAI upstream: answers POST /v1/chat/completions the way the real API
// does (chat.completion JSON, or chat.completion.chunk SSE), deterministically from
// the request, and records every request it receives (headers included) so a test
// can check what the proxy forwarded.
//
// Answers:
//   - a request that offers a `get_weather` tool and whose last message is from the
//     user gets a tool call: get_weather({"city": <last word of the user message>,
//     "unit": "celsius"}); streamed, its arguments arrive in several fragments.
//   - a request whose last message is a `tool` result gets
//     `The weather in <city>: <tool content>` (city taken from the call it answers).
//   - anything else gets `reply #<n>: <last user message>`, where n counts the
//     answers this upstream has given (1-based), so a regeneration differs.
import http from 'node:http';
import zlib from 'node:zlib';

export const MODEL = 'gpt-4o-mini-2024-07-18';

/**
 * Starts the fake upstream on 127.0.0.1 with a free port.
 * @param {{gzip?: boolean}} [opts] gzip: compress non-stream JSON answers when the
 *   client accepts gzip, as the real API does (default true).
 * @returns {Promise<{url: string, requests: object[], close: () => Promise<void>}>}
 *   url has no trailing slash and no /v1; requests holds
 *   {method, path, headers, body (parsed JSON or null), raw, gzipped} in arrival order.
 */
export async function startUpstream({ gzip = true } = {}) {
  const requests = [];
  const gates = [];
  let answers = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = raw ? JSON.parse(raw) : null; } catch { /* recorded as raw */ }
      const rec = { method: req.method, path: req.url, headers: { ...req.headers }, body, raw, gzipped: false };
      requests.push(rec);
      res.on('finish', () => { rec.gzipped = !!res.gzipped; });
      try {
        route(req, res, body, { nextAnswer: () => ++answers, gzip, takeGate: () => gates.shift() });
      } catch (err) {
        sendJSON(req, res, 500, { error: { message: `fake upstream: ${err.message}`, type: 'server_error' } }, false);
      }
    });
  });
  // Keep-alive sockets would hold close() open; the proxy may pool connections.
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /**
     * hold arms a gate for the next streamed answer: the upstream sends the role
     * chunk and the first content (or tool-call) chunk, then waits until release()
     * is called or timeoutMs passes (timedOut is then true). A client that gets the
     * first chunk while the upstream waits proves that the proxy does not buffer.
     */
    hold(timeoutMs = 5000) {
      let release;
      const gate = { timedOut: false, release: () => release() };
      gate.wait = new Promise((resolve) => {
        const timer = setTimeout(() => { gate.timedOut = true; resolve(); }, timeoutMs);
        release = () => { clearTimeout(timer); resolve(); };
      });
      gates.push(gate);
      return gate;
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function route(req, res, body, { nextAnswer, gzip, takeGate }) {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/v1/models') {
    // The model list llmtap's self-test asks for.
    return sendJSON(req, res, 200, { object: 'list', data: [{ id: MODEL, object: 'model', owned_by: 'e2e' }] }, false);
  }
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendJSON(req, res, 404, {
      error: { message: `Unknown request URL: ${req.method} ${path}`, type: 'invalid_request_error', code: 'unknown_url' },
    }, false);
  }
  if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
    return sendJSON(req, res, 400, {
      error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', code: 'missing_required_parameter' },
    }, false);
  }
  const n = nextAnswer();
  const answer = decide(body, n);
  const id = `chatcmpl-e2e${String(n).padStart(4, '0')}`;
  const created = 1700000000 + n;
  const model = body.model || MODEL;
  const usage = {
    prompt_tokens: 10 * body.messages.length,
    completion_tokens: 7,
    total_tokens: 10 * body.messages.length + 7,
    // As OpenAI reports a prompt cache hit: every message but the last was seen before.
    prompt_tokens_details: { cached_tokens: 10 * (body.messages.length - 1), audio_tokens: 0 },
  };
  if (body.stream) {
    const gate = takeGate();
    sendStream(res, { id, created, model, answer, usage, includeUsage: !!body.stream_options?.include_usage, gate })
      .catch(() => res.destroy());
    return;
  }
  const message = answer.toolCall
    ? {
        role: 'assistant', content: null, refusal: null, annotations: [],
        tool_calls: [{ id: answer.toolCall.id, type: 'function', function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments } }],
      }
    : { role: 'assistant', content: answer.text, refusal: null, annotations: [] };
  sendJSON(req, res, 200, {
    id, object: 'chat.completion', created, model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.toolCall ? 'tool_calls' : 'stop' }],
    usage, service_tier: 'default', system_fingerprint: 'fp_e2e',
  }, gzip);
}

/** decide returns {text} or {toolCall: {id, name, arguments}} for a request body. */
export function decide(body, n) {
  const msgs = body.messages;
  const last = msgs[msgs.length - 1];
  const offersWeather = (body.tools || []).some((t) => t?.function?.name === 'get_weather');
  if (last.role === 'tool') {
    const call = msgs.flatMap((m) => m.tool_calls || []).find((c) => c.id === last.tool_call_id);
    let city = 'unknown';
    try { city = JSON.parse(call.function.arguments).city; } catch { /* keep unknown */ }
    return { text: `The weather in ${city}: ${textOf(last.content)}` };
  }
  if (offersWeather && last.role === 'user') {
    const words = textOf(last.content).replace(/[^\p{L}\p{N}\s]/gu, '').trim().split(/\s+/);
    const city = words[words.length - 1] || 'Nowhere';
    return {
      toolCall: { id: `call_e2e${n}`, name: 'get_weather', arguments: JSON.stringify({ city, unit: 'celsius' }) },
    };
  }
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
  return { text: `reply #${n}: ${lastUser ? textOf(lastUser.content) : ''}` };
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((p) => p.type === 'text').map((p) => p.text).join('\n');
  return '';
}

function sendJSON(req, res, status, obj, gzip) {
  let data = Buffer.from(JSON.stringify(obj));
  const headers = { 'Content-Type': 'application/json', 'openai-processing-ms': '12', 'x-request-id': 'req_e2e' };
  if (gzip && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
    data = zlib.gzipSync(data);
    headers['Content-Encoding'] = 'gzip';
    res.gzipped = true;
  }
  headers['Content-Length'] = String(data.length);
  res.writeHead(status, headers);
  res.end(data);
}

// sendStream writes the SSE the real API sends: a first chunk with the role, the
// content (or tool-call argument) deltas, a chunk with finish_reason, a usage chunk
// with empty choices when asked for, then [DONE]. Each event is its own write, on
// its own turn of the event loop, so events reach the proxy as separate reads.
async function sendStream(res, { id, created, model, answer, usage, includeUsage, gate }) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  const chunk = (delta, finish = null) => ({
    id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_e2e',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events = [];
  if (answer.toolCall) {
    const { id: callID, name, arguments: args } = answer.toolCall;
    events.push(chunk({
      role: 'assistant', content: null,
      tool_calls: [{ index: 0, id: callID, type: 'function', function: { name, arguments: '' } }],
      refusal: null,
    }));
    for (const part of fragments(args, 4)) {
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
    }
    events.push(chunk({}, 'tool_calls'));
  } else {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const part of answer.text.split(/(?<= )/)) events.push(chunk({ content: part }));
    events.push(chunk({}, 'stop'));
  }
  if (includeUsage) {
    events.push({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_e2e', choices: [], usage });
  }
  for (const [i, ev] of events.entries()) {
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(ev)}\n\n`);
    if (i === 1 && gate) await gate.wait;
    else await new Promise((resolve) => setImmediate(resolve));
  }
  res.end('data: [DONE]\n\n');
}

/** fragments splits s into parts of at most size characters (at least one part). */
export function fragments(s, size) {
  const out = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [''];
}
