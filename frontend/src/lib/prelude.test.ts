import { describe, expect, it } from 'vitest';
import { partNames, splitPrelude, summary } from './prelude';

const sys = (id: number, content: string) => ({ id, role: 'system', content });

describe('splitPrelude', () => {
  it('leading_system_and_stored_prelude', () => {
    const msgs = [sys(-1, 'a'), { id: -2, role: 'user', content: 'ex' }, sys(5, 'b'), { id: 6, role: 'user', content: 'hi' }, sys(7, 'note')];
    const { prelude, rest } = splitPrelude(msgs);
    expect(prelude.map((m) => m.id)).toEqual([-1, -2, 5]);
    expect(rest.map((m) => m.id)).toEqual([6, 7]);
  });
  it('none', () => expect(splitPrelude([{ id: 1, role: 'user', content: 'hi' }]).prelude).toEqual([]));
});

describe('partNames', () => {
  it('sillytavern_prelude', () => {
    const names = partNames([
      sys(-1, "Write Seraphina's next reply in a fictional chat between Seraphina and {{user}}."),
      sys(-2, "Seraphina is a guardian of the glade.\nPersonality: kind, protective\nScenario: you wake up in the forest"),
      { id: -3, role: 'system', name: 'example_assistant', content: '*smiles* Welcome.' },
      { id: -4, role: 'user', content: 'Where am I?' },
      sys(-5, '[Start a new chat]'),
      sys(-6, "[Author's note: keep replies short]"),
    ]);
    expect(names).toEqual(['Main prompt', 'Character card', 'Example dialogue', 'Example dialogue', 'Chat start', "Author's note"]);
    expect(summary(names)).toBe("Main prompt, Character card, Example dialogue, Chat start, Author's note");
  });
  it('plain_system_prompt', () => expect(partNames([sys(-1, 'You are a helpful assistant.')])).toEqual(['Main prompt']));
  it('second_plain_system', () => expect(partNames([sys(-1, 'Be brief.'), sys(-2, 'Use metric units.')])).toEqual(['Main prompt', 'System']));
  it('example_chat_marker', () => expect(partNames([sys(-1, 'Main'), sys(-2, '[Example Chat]\n{{user}}: hi')])).toEqual(['Main prompt', 'Example dialogue']));
});
