/**
 * The gallery's multi-selection as plain data, as file managers do it: a click picks one item, a
 * Ctrl/⌘-click adds or removes one, a Shift-click picks the run from the anchor (the last item
 * clicked without Shift) to the clicked one, in the order shown. Pure, for GalleryState and its tests.
 */
export interface Picks {
  readonly ids: ReadonlySet<string>;
  readonly anchor: string | null;
}

export const NO_PICKS: Picks = { ids: new Set(), anchor: null };

export interface PickMods {
  /** Ctrl or ⌘ (and Space on the keyboard): add or remove this one */
  toggle?: boolean;
  /** Shift: the run from the anchor to this one */
  range?: boolean;
}

/** The picks after a click (or key) on `id`, the items shown in `order`. */
export function pick(picks: Picks, order: readonly string[], id: string, mods: PickMods = {}): Picks {
  if (mods.range && picks.anchor !== null) {
    const from = order.indexOf(picks.anchor);
    const to = order.indexOf(id);
    if (from >= 0 && to >= 0) {
      const run = order.slice(Math.min(from, to), Math.max(from, to) + 1);
      return { ids: new Set(mods.toggle ? [...picks.ids, ...run] : run), anchor: picks.anchor };
    }
  }
  if (mods.toggle) {
    const ids = new Set(picks.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id };
  }
  return { ids: new Set([id]), anchor: id };
}

/** These ids picked, the first one the anchor. */
export function picksOf(ids: readonly string[]): Picks {
  return { ids: new Set(ids), anchor: ids[0] ?? null };
}

/** Every item shown. */
export function pickAll(order: readonly string[]): Picks {
  return picksOf(order);
}

/** The picks without the ids that are gone (deleted, filtered out); the same object when none went. */
export function keepPresent(picks: Picks, present: readonly string[]): Picks {
  const here = new Set(present);
  if ([...picks.ids].every((id) => here.has(id)) && (picks.anchor === null || here.has(picks.anchor))) return picks;
  return { ids: new Set([...picks.ids].filter((id) => here.has(id))), anchor: picks.anchor !== null && here.has(picks.anchor) ? picks.anchor : null };
}

/** The picked ids in the order shown. */
export function pickedInOrder(picks: Picks, order: readonly string[]): string[] {
  return order.filter((id) => picks.ids.has(id));
}
