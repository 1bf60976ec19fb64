/**
 * Saved styles, as A1111's "Styles" (modules/styles.py): a named prompt + negative prompt. Applying
 * one merges it into the form: a style text holding `{prompt}` gets the current text in its place,
 * otherwise it is appended after ", " (empty parts left out). Kept in localStorage, keyed and versioned.
 */
import { isPromptPair, readKept, writeKept } from './kept-store.ts';
import type { KeptStorage, PromptPair } from './kept-store.ts';

export const STYLES_STORAGE_KEY = 'reverie.styles';
const VERSION = 1;
export const STYLE_NAME_MAX = 60;

export interface PromptStyle extends PromptPair {
  name: string;
}

/** A1111's merge of a style's text into the current one. */
export function mergeStyleText(current: string, style: string): string {
  if (style.includes('{prompt}')) return style.replaceAll('{prompt}', current);
  return [current.trim(), style.trim()].filter((part) => part !== '').join(', ');
}

export function applyStyle(current: PromptPair, style: PromptPair): PromptPair {
  return { prompt: mergeStyleText(current.prompt, style.prompt), negativePrompt: mergeStyleText(current.negativePrompt, style.negativePrompt) };
}

const isStyle = (v: unknown): v is PromptStyle => isPromptPair(v) && typeof (v as { name?: unknown }).name === 'string';
const byName = (a: PromptStyle, b: PromptStyle): number => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

export class StylesState {
  #styles = $state.raw<readonly PromptStyle[]>([]);

  constructor(private readonly storage: KeptStorage | null) {
    this.#styles = readKept(storage, STYLES_STORAGE_KEY, VERSION).filter(isStyle).toSorted(byName);
  }

  /** by name, A to Z */
  get list(): readonly PromptStyle[] {
    return this.#styles;
  }

  get(name: string): PromptStyle | null {
    return this.#styles.find((s) => s.name === name) ?? null;
  }

  /** Why `name` cannot be saved, in plain words; null when it can. */
  problem(name: string, pair: PromptPair): string | null {
    const n = name.trim();
    if (n === '') return 'Give the style a name.';
    if (n.length > STYLE_NAME_MAX) return `The name has ${n.length} characters; up to ${STYLE_NAME_MAX} fit.`;
    if (pair.prompt.trim() === '' && pair.negativePrompt.trim() === '') return 'The prompt and negative prompt are empty: type what the style should add first.';
    return null;
  }

  /** Saves (or replaces, as A1111 does) the style `name`; returns its problem instead when it has one. */
  save(name: string, pair: PromptPair): string | null {
    const problem = this.problem(name, pair);
    if (problem) return problem;
    const style = { name: name.trim(), prompt: pair.prompt, negativePrompt: pair.negativePrompt };
    this.#styles = [...this.#styles.filter((s) => s.name !== style.name), style].toSorted(byName);
    writeKept(this.storage, STYLES_STORAGE_KEY, VERSION, this.#styles);
    return null;
  }

  delete(name: string): boolean {
    const next = this.#styles.filter((s) => s.name !== name);
    if (next.length === this.#styles.length) return false;
    this.#styles = next;
    writeKept(this.storage, STYLES_STORAGE_KEY, VERSION, this.#styles);
    return true;
  }
}
