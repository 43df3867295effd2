// Multi-select in the conversation list, as in a file manager: a plain click selects one
// row, ctrl/cmd-click toggles a row, shift-click selects the range from the anchor.

/** Selection is the selected row ids and the anchor of the next shift-click. */
export interface Selection {
  ids: ReadonlySet<number>;
  anchor: number | null;
}

export const emptySelection: Selection = { ids: new Set(), anchor: null };

/** ClickMods are the modifier keys of a click. */
export interface ClickMods {
  shift?: boolean;
  toggle?: boolean;
}

/**
 * select applies a click on id. order lists the ids of the loaded rows in list order (for
 * shift ranges); a range from an anchor that is no longer listed starts at id.
 */
export function select(sel: Selection, id: number, mods: ClickMods, order: readonly number[]): Selection {
  if (mods.shift && sel.anchor !== null) {
    const a = order.indexOf(sel.anchor);
    const b = order.indexOf(id);
    if (a >= 0 && b >= 0) {
      const ids = new Set(sel.ids);
      for (let i = Math.min(a, b); i <= Math.max(a, b); i++) ids.add(order[i]);
      return { ids, anchor: sel.anchor };
    }
  }
  if (mods.toggle || mods.shift) {
    const ids = new Set(sel.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id };
  }
  return { ids: new Set([id]), anchor: id };
}

/** toggle flips one row, as its checkbox does. */
export function toggle(sel: Selection, id: number): Selection {
  return select(sel, id, { toggle: true }, []);
}
