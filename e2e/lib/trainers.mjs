// The key rules trainers apply when they load a dataset, re-implemented small and
// strict, independent of the Go validators: each function returns what is wrong
// with one record, [] when the trainer takes it.
//   - LLaMA-Factory (data/README.md, its sharegpt/alpaca converters): role tags by
//     position, an even count of turns, one <image> placeholder per image, ranking
//     data ending on a prompt turn, a boolean kto_tag.
//   - OpenAI fine-tuning (chat and preference): known roles and keys, an assistant
//     answer, tool calls with JSON-string arguments answered by tool messages with
//     their id, weight 0/1 on assistant turns only, image_url content parts.
//   - TRL / axolotl chat_template: role/content strings, tools as a JSON string,
//     the prompt ending on a user turn and one assistant answer per side.
import { sharegptProblems } from './sharegpt.mjs';

const isStr = (v) => typeof v === 'string';
const isObj = (v) => !!v && typeof v === 'object' && !Array.isArray(v);

function jsonString(v, what) {
  if (!isStr(v)) return [`${what} is ${typeof v}, want a JSON string`];
  try { JSON.parse(v); } catch { return [`${what} is not JSON: ${v.slice(0, 60)}`]; }
  return [];
}

/** imageProblems: LLaMA-Factory wants as many <image> placeholders in the turns as images. */
function imageProblems(rec, texts) {
  const placeholders = texts.reduce((n, t) => n + (isStr(t) ? t.split('<image>').length - 1 : 0), 0);
  const images = rec.images ?? [];
  if (!Array.isArray(images) || !images.every(isStr)) return ['images is not a list of paths'];
  return placeholders === images.length ? [] : [`${placeholders} <image> placeholders for ${images.length} images`];
}

/** llamaFactorySFT: a sharegpt (or kto) record; kto asks for a boolean kto_tag. */
export function llamaFactorySFT(rec, { kto = false } = {}) {
  const p = sharegptProblems(rec);
  if (p.length) return p;
  p.push(...imageProblems(rec, rec.conversations.map((t) => t.value)));
  if (kto && typeof rec.kto_tag !== 'boolean') p.push(`kto_tag is ${JSON.stringify(rec.kto_tag)}, want a boolean`);
  if (!kto && 'kto_tag' in rec) p.push('kto_tag in an SFT record');
  return p;
}

/** llamaFactoryRanking: conversations end on a prompt turn; chosen and rejected are answers that differ. */
export function llamaFactoryRanking(rec) {
  if (!isObj(rec) || !Array.isArray(rec.conversations)) return ['conversations is not an array'];
  // The prompt with either answer is a complete sharegpt conversation.
  const p = [];
  for (const side of ['chosen', 'rejected']) {
    const t = rec[side];
    if (!isObj(t) || !['gpt', 'function_call'].includes(t.from) || !isStr(t.value)) {
      p.push(`${side} is ${JSON.stringify(t)?.slice(0, 80)}, want {from: gpt|function_call, value}`);
      continue;
    }
    p.push(...sharegptProblems({ ...rec, chosen: undefined, rejected: undefined, images: undefined, conversations: [...rec.conversations, t] })
      .map((x) => `prompt + ${side}: ${x}`));
  }
  if (isObj(rec.chosen) && isObj(rec.rejected) && rec.chosen.value === rec.rejected.value) p.push('chosen and rejected are the same');
  p.push(...imageProblems(rec, rec.conversations.map((t) => t.value)));
  return p;
}

/** llamaFactoryAlpaca: instruction and output strings, history of [instruction, output] pairs. */
export function llamaFactoryAlpaca(rec) {
  if (!isObj(rec)) return ['record is not an object'];
  const p = [];
  if (!isStr(rec.instruction) || rec.instruction === '') p.push('instruction is empty or not a string');
  if ('input' in rec && !isStr(rec.input)) p.push('input is not a string');
  if (!isStr(rec.output) || rec.output === '') p.push('output is empty or not a string');
  if ('system' in rec && !isStr(rec.system)) p.push('system is not a string');
  if (!Array.isArray(rec.history) || !rec.history.every((h) => Array.isArray(h) && h.length === 2 && h.every(isStr))) {
    p.push('history is not a list of [instruction, output] string pairs');
  }
  const texts = [rec.instruction, rec.input, ...(Array.isArray(rec.history) ? rec.history.map((h) => h?.[0]) : [])];
  p.push(...imageProblems(rec, texts));
  return p;
}

const OPENAI_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const OPENAI_MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'weight', 'refusal']);

/** openAIMessages checks an OpenAI messages list; calls collects the tool call ids seen. */
function openAIMessages(msgs, where, calls = new Set()) {
  if (!Array.isArray(msgs) || msgs.length === 0) return [`${where} is not a non-empty list`];
  const p = [];
  msgs.forEach((m, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(m)) { p.push(`${at} is not an object`); return; }
    for (const k of Object.keys(m)) if (!OPENAI_MESSAGE_KEYS.has(k)) p.push(`${at} has unrecognized key ${k}`);
    if (!OPENAI_ROLES.has(m.role)) p.push(`${at} role ${JSON.stringify(m.role)}`);
    if ('weight' in m && (m.role !== 'assistant' || ![0, 1].includes(m.weight))) p.push(`${at} weight ${m.weight} on ${m.role}`);
    const calling = m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part?.type === 'text' ? !isStr(part.text) : !(part?.type === 'image_url' && isStr(part.image_url?.url) && /^(data:image\/|https?:)/.test(part.image_url.url))) {
          p.push(`${at} has content part ${JSON.stringify(part).slice(0, 80)}`);
        }
      }
      if (m.content.some((x) => x?.type === 'image_url') && m.role !== 'user') p.push(`${at}: an image in a ${m.role} message`);
    } else if (!isStr(m.content) && !(calling && m.content == null)) p.push(`${at} has no content`);
    if (calling) {
      for (const c of m.tool_calls) {
        if (!isStr(c?.id) || c.type !== 'function' || !isStr(c.function?.name)) p.push(`${at} tool call ${JSON.stringify(c).slice(0, 80)}`);
        else { p.push(...jsonString(c.function.arguments, `${at} arguments of ${c.function.name}`)); calls.add(c.id); }
      }
    }
    if (m.role === 'tool' && !calls.has(m.tool_call_id)) p.push(`${at} answers tool call ${m.tool_call_id}, which no earlier message made`);
  });
  return p;
}

function openAITools(tools, where) {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) return [`${where} is not a list`];
  return tools.flatMap((t, i) => (t?.type === 'function' && isStr(t.function?.name) && isObj(t.function?.parameters)
    ? [] : [`${where}[${i}] is not {type: function, function: {name, parameters}}`]));
}

/** openAIChat: a chat fine-tuning line. */
export function openAIChat(rec) {
  if (!isObj(rec)) return ['record is not an object'];
  const p = Object.keys(rec).filter((k) => !['messages', 'tools', 'parallel_tool_calls'].includes(k)).map((k) => `unrecognized key ${k}`);
  p.push(...openAIMessages(rec.messages, 'messages'), ...openAITools(rec.tools, 'tools'));
  if (Array.isArray(rec.messages) && !rec.messages.some((m) => m?.role === 'assistant')) p.push('no assistant message');
  return p;
}

/** openAIPreference: input ends on a user turn; each output is one assistant message. */
export function openAIPreference(rec) {
  if (!isObj(rec) || !isObj(rec.input)) return ['input is not an object'];
  const calls = new Set();
  const p = [...openAIMessages(rec.input.messages, 'input.messages', calls), ...openAITools(rec.input.tools, 'input.tools')];
  if (rec.input.messages?.at?.(-1)?.role !== 'user') p.push(`input ends on ${rec.input.messages?.at?.(-1)?.role}, want user`);
  for (const side of ['preferred_output', 'non_preferred_output']) {
    const out = rec[side];
    if (!Array.isArray(out) || out.length !== 1 || out[0]?.role !== 'assistant') { p.push(`${side} is not one assistant message`); continue; }
    p.push(...openAIMessages(out, side, new Set(calls)));
  }
  if (JSON.stringify(rec.preferred_output) === JSON.stringify(rec.non_preferred_output)) p.push('the two outputs are the same');
  return p;
}

const CHAT_ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** chatTemplateMessages: role/content strings (axolotl chat_template, TRL). */
function chatTemplateMessages(msgs, where) {
  if (!Array.isArray(msgs) || msgs.length === 0) return [`${where} is not a non-empty list`];
  const p = [];
  msgs.forEach((m, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(m) || !CHAT_ROLES.has(m.role) || !isStr(m.content)) { p.push(`${at} is ${JSON.stringify(m).slice(0, 80)}, want {role, content: string}`); return; }
    if ('train' in m && typeof m.train !== 'boolean') p.push(`${at} train is not a boolean`);
    if ('reasoning_content' in m && (m.role !== 'assistant' || !isStr(m.reasoning_content))) p.push(`${at} reasoning_content on ${m.role}`);
    for (const c of m.tool_calls ?? []) p.push(...jsonString(c?.function?.arguments, `${at} tool call arguments`));
  });
  const first = msgs.find((m) => m?.role !== 'system');
  if (first && first.role !== 'user') p.push(`the first turn after the system prompt is ${first.role}, want user`);
  return p;
}

/** chatTemplate: a messages-jsonl line. */
export function chatTemplate(rec) {
  if (!isObj(rec)) return ['record is not an object'];
  const p = chatTemplateMessages(rec.messages, 'messages');
  if ('tools' in rec) p.push(...jsonString(rec.tools, 'tools'));
  if (Array.isArray(rec.messages) && rec.messages.at(-1)?.role !== 'assistant') p.push('the last message is not an assistant answer');
  return p;
}

/** trlPreference: prompt messages ending on user, chosen and rejected one assistant message each. */
export function trlPreference(rec) {
  if (!isObj(rec)) return ['record is not an object'];
  const p = chatTemplateMessages(rec.prompt, 'prompt');
  if (rec.prompt?.at?.(-1)?.role !== 'user') p.push(`prompt ends on ${rec.prompt?.at?.(-1)?.role}, want user`);
  for (const side of ['chosen', 'rejected']) {
    const out = rec[side];
    if (!Array.isArray(out) || out.length !== 1 || out[0]?.role !== 'assistant' || !isStr(out[0].content)) p.push(`${side} is not one assistant message`);
  }
  if (JSON.stringify(rec.chosen) === JSON.stringify(rec.rejected)) p.push('chosen and rejected are the same');
  if ('tools' in rec) p.push(...jsonString(rec.tools, 'tools'));
  return p;
}

/** checkerOf is the check of an export format's records. */
export const checkerOf = {
  sharegpt: (r) => llamaFactorySFT(r),
  'sharegpt-jsonl': (r) => llamaFactorySFT(r),
  kto: (r) => llamaFactorySFT(r, { kto: true }),
  alpaca: llamaFactoryAlpaca,
  dpo: llamaFactoryRanking,
  'openai-jsonl': openAIChat,
  'openai-dpo': openAIPreference,
  'messages-jsonl': chatTemplate,
  'preference-jsonl': trlPreference,
};
