// A checker for ShareGPT records as LLaMA-Factory reads them with its default
// sharegpt tags (from/value; human, gpt, observation, function_call, system):
// https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md
import fs from 'node:fs';

const PROMPT_SIDE = new Set(['human', 'observation']);
const ANSWER_SIDE = new Set(['gpt', 'function_call']);

/**
 * sharegptProblems returns what is wrong with one record, or [] when LLaMA-Factory
 * would take it: `conversations` alternates human|observation (1st, 3rd, ...) and
 * gpt|function_call (2nd, 4th, ...) with an even count, after at most one leading
 * `system` turn (which LLaMA-Factory also accepts); a function_call value is a JSON
 * string of {"name", "arguments": {...}} (or a list of them, for parallel calls);
 * `tools`, when present, is a JSON string of an array; `system` is a string.
 */
export function sharegptProblems(rec) {
  const problems = [];
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return ['record is not an object'];
  if (!Array.isArray(rec.conversations)) return ['conversations is not an array'];
  let turns = rec.conversations;
  if (turns[0]?.from === 'system') turns = turns.slice(1);
  if (turns.length === 0) problems.push('conversations has no turns');
  if (turns.length % 2 !== 0) problems.push(`conversations has an odd number of turns (${turns.length})`);
  turns.forEach((t, i) => {
    const where = `turn ${i + 1}`;
    if (!t || typeof t !== 'object') { problems.push(`${where} is not an object`); return; }
    const keys = Object.keys(t).sort().join(',');
    if (keys !== 'from,value') problems.push(`${where} has keys ${keys}, want from,value`);
    if (typeof t.value !== 'string') problems.push(`${where} value is ${typeof t.value}, want string`);
    const want = i % 2 === 0 ? PROMPT_SIDE : ANSWER_SIDE;
    if (!want.has(t.from)) problems.push(`${where} from is ${JSON.stringify(t.from)}, want one of ${[...want].join('|')}`);
    if (t.from === 'function_call' && typeof t.value === 'string') {
      problems.push(...functionCallProblems(t.value).map((p) => `${where} ${p}`));
    }
  });
  if ('tools' in rec) {
    if (typeof rec.tools !== 'string') problems.push(`tools is ${typeof rec.tools}, want a JSON string`);
    else {
      try {
        if (!Array.isArray(JSON.parse(rec.tools))) problems.push('tools is not a JSON array');
      } catch { problems.push(`tools is not valid JSON: ${rec.tools.slice(0, 80)}`); }
    }
  }
  if ('system' in rec && typeof rec.system !== 'string') problems.push(`system is ${typeof rec.system}, want string`);
  return problems;
}

function functionCallProblems(value) {
  let v;
  try { v = JSON.parse(value); } catch { return [`function_call value is not JSON: ${value.slice(0, 80)}`]; }
  const calls = Array.isArray(v) ? v : [v];
  if (calls.length === 0) return ['function_call value is an empty list'];
  const out = [];
  for (const c of calls) {
    if (!c || typeof c !== 'object' || typeof c.name !== 'string' || !c.name) out.push(`function_call ${value} has no name`);
    else if (!c.arguments || typeof c.arguments !== 'object' || Array.isArray(c.arguments)) {
      out.push(`function_call ${value}: arguments is not a JSON object`);
    }
  }
  return out;
}

/** readJSONL parses a .jsonl file into records, naming the line that fails. */
export function readJSONL(file) {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    try { return JSON.parse(line); } catch (err) { throw new Error(`${file}:${i + 1}: ${err.message}: ${line.slice(0, 200)}`); }
  });
}

/** readJSONArray parses a .json file that must hold one array of records. */
export function readJSONArray(file) {
  const v = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(v)) throw new Error(`${file}: top level is ${typeof v}, want an array`);
  return v;
}
