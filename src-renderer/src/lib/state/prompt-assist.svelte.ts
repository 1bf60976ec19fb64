/**
 * Help with a prompt for models that ship a vocabulary.json (reverie-mini): completions for the
 * word at the caret and the words the model does not know, with what to use instead. The prompt and
 * the model come from the form; this class only holds where the caret is, whether the list is open
 * and which completion is active. Models without a vocabulary get neither.
 */
import type { ModelReport } from '../api/types.ts';
import { unknownWords } from '../prompt/check.ts';
import type { UnknownWord } from '../prompt/check.ts';
import { completionsAt } from '../prompt/complete.ts';
import type { CompletionSet } from '../prompt/complete.ts';
import { buildVocabularyIndex } from '../prompt/vocabulary.ts';

/** What the assistant reads (the Generate form). */
export interface PromptSource {
  readonly model: ModelReport | null | undefined;
  readonly prompt: string;
}

/** A change to the prompt text: replace [from, to) with `insert`. */
export interface PromptEdit {
  from: number;
  to: number;
  insert: string;
}

/** At most this many unknown words are named under the prompt. */
export const MAX_HINTS = 3;

export class PromptAssist {
  #caret = $state(0);
  #focused = $state(false);
  #dismissed = $state(true);
  #active = $state(0);

  readonly index = $derived.by(() => {
    const v = this.source.model?.vocabulary;
    return v ? buildVocabularyIndex(v) : null;
  });
  readonly modelName = $derived.by(() => this.source.model?.name ?? 'This model');
  readonly completions = $derived.by((): CompletionSet | null => {
    if (!this.index || !this.#focused || this.#dismissed) return null;
    return completionsAt(this.source.prompt, this.#caret, this.index);
  });
  readonly open = $derived(this.completions !== null);
  readonly active = $derived(this.completions ? Math.min(this.#active, this.completions.items.length - 1) : -1);
  /** unknown words, the one being typed left out */
  readonly unknown = $derived.by((): UnknownWord[] => (this.index ? unknownWords(this.source.prompt, this.index, this.#focused ? this.#caret : undefined) : []));
  readonly hints = $derived(this.unknown.slice(0, MAX_HINTS));

  constructor(private readonly source: PromptSource) {}

  get enabled(): boolean {
    return this.index !== null;
  }

  /** The text changed by typing: the list opens for the word at the caret. */
  typed(caret: number): void {
    this.#caret = caret;
    this.#dismissed = false;
    this.#active = 0;
  }

  /** The caret moved without typing (arrows, click): an open list follows it, a closed one stays closed. */
  moved(caret: number): void {
    if (caret !== this.#caret) this.#active = 0;
    this.#caret = caret;
  }

  focus(focused: boolean, caret: number): void {
    this.#focused = focused;
    this.#caret = caret;
    if (!focused) this.#dismissed = true;
  }

  dismiss(): void {
    this.#dismissed = true;
  }

  /** Moves the active completion by `delta`, wrapping around. */
  step(delta: number): void {
    const n = this.completions?.items.length ?? 0;
    if (n > 0) this.#active = (((this.active + delta) % n) + n) % n;
  }

  select(i: number): void {
    this.#active = i;
  }

  /** The edit that accepts completion `i` (the active one by default), with a space after it unless one follows. */
  accept(i = this.active): PromptEdit | null {
    const set = this.completions;
    const item = set?.items[i];
    if (!set || !item) return null;
    const next = this.source.prompt[set.to];
    this.#dismissed = true;
    return { from: item.from, to: set.to, insert: next === undefined || !/[\s,.;:)\]]/.test(next) ? `${item.text} ` : item.text };
  }

  /** The edit that puts `suggestion` in place of an unknown word. */
  replace(word: UnknownWord, suggestion: string): PromptEdit {
    this.#dismissed = true;
    return { from: word.start, to: word.end, insert: suggestion };
  }
}

/** `prompt` with `edit` applied, and where the caret goes (after the inserted text). */
export function applyEdit(prompt: string, edit: PromptEdit): { text: string; caret: number } {
  return { text: prompt.slice(0, edit.from) + edit.insert + prompt.slice(edit.to), caret: edit.from + edit.insert.length };
}
