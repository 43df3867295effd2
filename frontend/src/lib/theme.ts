// The light / dark / system switch. The stylesheet keys its dark tokens on
// <html data-theme="dark">; this module decides that attribute from the saved choice
// and, for "system", from prefers-color-scheme (followed as it changes).

export type ThemeChoice = 'system' | 'light' | 'dark';

/** themeKey is where the choice is saved (localStorage). */
export const themeKey = 'llmtap.theme';

/** themes is the order the switch cycles through. */
export const themes: readonly ThemeChoice[] = ['system', 'light', 'dark'];

/** loadTheme reads the saved choice; anything else is "system". */
export function loadTheme(store: Pick<Storage, 'getItem'>): ThemeChoice {
  const v = store.getItem(themeKey);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** resolveTheme is the theme shown for a choice when the system prefers dark (or not). */
export function resolveTheme(choice: ThemeChoice, systemDark: boolean): 'light' | 'dark' {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/** nextTheme is the choice after c in the switch's cycle. */
export function nextTheme(c: ThemeChoice): ThemeChoice {
  return themes[(themes.indexOf(c) + 1) % themes.length];
}

/**
 * applyTheme saves choice and sets <html data-theme>, following the system's
 * preference while the choice is "system". It returns a function that stops following.
 */
export function applyTheme(choice: ThemeChoice): () => void {
  localStorage.setItem(themeKey, choice);
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  const set = () => (document.documentElement.dataset.theme = resolveTheme(choice, mq.matches));
  set();
  if (choice !== 'system') return () => {};
  mq.addEventListener('change', set);
  return () => mq.removeEventListener('change', set);
}
