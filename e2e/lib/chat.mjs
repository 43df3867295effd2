// Drives chats through llmtap with the official openai client, the way an app
// would: each turn resends the whole history plus the previous answer.
import OpenAI from 'openai';

export const API_KEY = 'sk-test-e2e-SECRET123456';
export const SECRET = 'SECRET123456';

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
    },
  },
};

/** client makes an openai client for baseURL (e.g. http://PROXY/v1) that never retries. */
export function client(baseURL) {
  return new OpenAI({ apiKey: API_KEY, baseURL, maxRetries: 0, timeout: 15000 });
}

/**
 * streamed sends a streaming request and reassembles it like an app does.
 * onChunk(chunk) is called for every chunk as it arrives.
 * @returns {Promise<{message: object, finishReason: string|null, usage: object|null, chunks: object[]}>}
 *   message is an assistant message ready to append to the history.
 */
export async function streamed(openai, params, onChunk = () => {}) {
  const stream = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const chunks = [];
  let content = null;
  const calls = [];
  let finishReason = null;
  let usage = null;
  for await (const chunk of stream) {
    chunks.push(chunk);
    onChunk(chunk);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const d = choice.delta || {};
      if (typeof d.content === 'string') content = (content ?? '') + d.content;
      for (const tc of d.tool_calls || []) {
        const c = (calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.function.name += tc.function.name;
        if (tc.function?.arguments) c.function.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  const message = { role: 'assistant', content };
  if (calls.length) message.tool_calls = calls;
  return { message, finishReason, usage, chunks };
}

/** plain sends a non-streaming request and returns the assistant message to append. */
export async function plain(openai, params) {
  const res = await openai.chat.completions.create(params);
  const m = res.choices[0].message;
  const message = { role: 'assistant', content: m.content };
  if (m.tool_calls?.length) message.tool_calls = m.tool_calls;
  return { message, finishReason: res.choices[0].finish_reason, usage: res.usage, response: res };
}
