// Choices of the review list's filter menus that depend on what the server has seen.
import type { Facets } from './types';

/** Choice is one option of a filter menu. */
export interface Choice {
  value: string;
  label: string;
}

/** unnamedKey is the id the gateway gives a forward key without a name: fk- and 12 hex digits of its hash. */
const unnamedKey = /^fk-[0-9a-f]{12}$/;

/**
 * forwardKeyChoices lists the forward key ids captures carry, for the "Forward key" menu: empty
 * (the menu is not shown) when no capture carries one and none is chosen; the chosen id is kept
 * even when the facets do not list it (a link from elsewhere, an older server).
 */
export function forwardKeyChoices(facets: Pick<Facets, 'forwardKeys'> | null, chosen: string): Choice[] {
  const ids = [...(facets?.forwardKeys ?? [])];
  if (chosen && !ids.includes(chosen)) ids.unshift(chosen);
  return ids.map((id) => ({ value: id, label: unnamedKey.test(id) ? `${id} (no name)` : id }));
}
