/**
 * Prompt history, as a shell keeps commands (and as A1111's prompt-history extensions do): the
 * prompts of submitted Generate jobs, newest first, with their negative prompts; ↑ in the prompt
 * box steps back through them, ↓ steps forward again to what was being typed (the draft).
 */
import { isPromptPair, readKept, writeKept } from './kept-store.ts';
import type { KeptStorage, PromptPair } from './kept-store.ts';

export const HISTORY_STORAGE_KEY = 'reverie.prompt-history';
const VERSION = 1;
/** distinct prompts kept */
export const HISTORY_LIMIT = 100;

const same = (a: PromptPair, b: PromptPair): boolean => a.prompt === b.prompt && a.negativePrompt === b.negativePrompt;

export class PromptHistory {
  #entries = $state.raw<readonly PromptPair[]>([]);
  /** -1: on the draft; otherwise the index of the entry shown, newest first */
  #at = $state(-1);
  /** what was in the box before the first ↑ (↓ past the newest entry brings it back) */
  #draft: PromptPair | null = null;

  constructor(private readonly storage: KeptStorage | null) {
    this.#entries = readKept(storage, HISTORY_STORAGE_KEY, VERSION).filter(isPromptPair).slice(0, HISTORY_LIMIT);
  }

  get entries(): readonly PromptPair[] {
    return this.#entries;
  }
  /** an entry is shown (↑ was pressed and nothing typed since) */
  get browsing(): boolean {
    return this.#at >= 0;
  }
  /** 1-based position of the entry shown (0 on the draft) */
  get position(): number {
    return this.#at + 1;
  }

  /** A job was submitted with this prompt: it becomes the newest entry (one entry per prompt text). */
  record(entry: PromptPair): void {
    this.reset();
    if (entry.prompt.trim() === '' && entry.negativePrompt.trim() === '') return;
    const kept = { prompt: entry.prompt, negativePrompt: entry.negativePrompt };
    this.#entries = [kept, ...this.#entries.filter((e) => e.prompt !== kept.prompt)].slice(0, HISTORY_LIMIT);
    writeKept(this.storage, HISTORY_STORAGE_KEY, VERSION, this.#entries);
  }

  /** ↑: the next older entry (skipping one equal to the draft), or null at the oldest. */
  back(current: PromptPair): PromptPair | null {
    const draft = this.#at < 0 ? current : (this.#draft ?? current);
    let at = this.#at + 1;
    while (at < this.#entries.length && same(this.#entries[at], draft)) at++;
    if (at >= this.#entries.length) return null;
    if (this.#at < 0) this.#draft = { ...current };
    this.#at = at;
    return this.#entries[at];
  }

  /** ↓: the next newer entry, then the draft; null when already on the draft. */
  forward(): PromptPair | null {
    if (this.#at < 0) return null;
    const draft = this.#draft ?? { prompt: '', negativePrompt: '' };
    let at = this.#at - 1;
    while (at >= 0 && same(this.#entries[at], draft)) at--;
    if (at < 0) {
      this.reset();
      return draft;
    }
    this.#at = at;
    return this.#entries[at];
  }

  /** Typing (or a style applied) makes the text in the box the new draft. */
  reset(): void {
    this.#at = -1;
    this.#draft = null;
  }
}
