import { describe, expect, it } from 'vitest';
import { emptySelection, select, toggle, type Selection } from './selection';

const order = [10, 9, 8, 7, 6];
const ids = (s: Selection) => [...s.ids].sort((a, b) => b - a);

describe('select', () => {
  it('plain_click_selects_one', () => {
    const s = select({ ids: new Set([10, 9]), anchor: 10 }, 8, {}, order);
    expect(ids(s)).toEqual([8]);
    expect(s.anchor).toBe(8);
  });
  it('toggle_adds_and_removes', () => {
    let s = select(emptySelection, 10, { toggle: true }, order);
    s = select(s, 8, { toggle: true }, order);
    expect(ids(s)).toEqual([10, 8]);
    s = select(s, 10, { toggle: true }, order);
    expect(ids(s)).toEqual([8]);
  });
  it('shift_selects_range_down', () => {
    const s = select(select(emptySelection, 9, {}, order), 7, { shift: true }, order);
    expect(ids(s)).toEqual([9, 8, 7]);
    expect(s.anchor).toBe(9);
  });
  it('shift_selects_range_up_and_keeps_others', () => {
    const s = select({ ids: new Set([6]), anchor: 8 }, 10, { shift: true }, order);
    expect(ids(s)).toEqual([10, 9, 8, 6]);
  });
  it('shift_without_anchor_toggles', () => {
    expect(ids(select(emptySelection, 7, { shift: true }, order))).toEqual([7]);
  });
  it('shift_from_unlisted_anchor_toggles', () => {
    expect(ids(select({ ids: new Set([1]), anchor: 1 }, 7, { shift: true }, order))).toEqual([7, 1]);
  });
});

describe('toggle', () => {
  it('flips', () => expect(ids(toggle(toggle(emptySelection, 3), 3))).toEqual([]));
});
