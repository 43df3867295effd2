// The prelude of a roleplay or agent chat: the system parts a client sends before the
// dialogue (SillyTavern's main prompt, character card, example dialogue, author's
// note, …). They fold into one block with each part named, so a long card does not
// push the conversation off screen (issue 14). Naming is a guess from the text.

/** PreludeMessage is the part of a message the prelude looks at. */
export interface PreludeMessage {
  id: number;
  role: string;
  name?: string;
  content: string;
}

/**
 * splitPrelude returns the leading messages that are prelude (stored as prelude, with
 * negative ids, or system messages before the first turn) and the rest.
 */
export function splitPrelude<T extends PreludeMessage>(messages: readonly T[]): { prelude: T[]; rest: T[] } {
  let n = 0;
  while (n < messages.length && (messages[n].id < 0 || messages[n].role === 'system')) n++;
  return { prelude: messages.slice(0, n), rest: messages.slice(n) };
}

const head = (s: string) => s.trimStart().slice(0, 400);

/** partName names a system or prelude message; first says whether it is the first system part. */
export function partName(m: PreludeMessage, first: boolean): string {
  const h = head(m.content);
  if (/^example_(user|assistant)$/i.test(m.name ?? '') || /^(\[example chat\]|<start>)/i.test(h)) return 'Example dialogue';
  if (m.role !== 'system') return m.id < 0 ? 'Example dialogue' : 'Message';
  if (/author'?s note/i.test(h)) return "Author's note";
  if (/^\[?(start a new (group )?chat)/i.test(h)) return 'Chat start';
  if (/\{\{char\}\}|<character>|^\s*(\[?character|name)\s*[:\]]|\b(personality|scenario|description|persona)\s*:/im.test(h))
    return 'Character card';
  if (/^\s*\[?(world info|lorebook)/i.test(h)) return 'World info';
  return first ? 'Main prompt' : 'System';
}

/** partNames names each message of a prelude, in order. */
export function partNames(prelude: readonly PreludeMessage[]): string[] {
  let firstSystem = true;
  return prelude.map((m) => {
    const name = partName(m, m.role === 'system' && firstSystem);
    if (m.role === 'system') firstSystem = false;
    return name;
  });
}

/** summary lists the distinct part names, for the folded block's one line. */
export function summary(names: readonly string[]): string {
  return [...new Set(names)].join(', ');
}
