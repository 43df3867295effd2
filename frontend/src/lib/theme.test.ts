import { describe, expect, it } from 'vitest';
import { loadTheme, nextTheme, resolveTheme, themeKey } from './theme';

describe('theme', () => {
  const tests = [
    { name: 'system_dark', choice: 'system' as const, dark: true, want: 'dark' },
    { name: 'system_light', choice: 'system' as const, dark: false, want: 'light' },
    { name: 'light_over_dark_system', choice: 'light' as const, dark: true, want: 'light' },
    { name: 'dark_over_light_system', choice: 'dark' as const, dark: false, want: 'dark' },
  ];
  for (const tt of tests) it(tt.name, () => expect(resolveTheme(tt.choice, tt.dark)).toBe(tt.want));
  it('cycles', () => expect([nextTheme('system'), nextTheme('light'), nextTheme('dark')]).toEqual(['light', 'dark', 'system']));
  it('loads', () => {
    const store = (v: string | null) => ({ getItem: (k: string) => (k === themeKey ? v : null) });
    expect([loadTheme(store('dark')), loadTheme(store('light')), loadTheme(store('neon')), loadTheme(store(null))]).toEqual(['dark', 'light', 'system', 'system']);
  });
});
