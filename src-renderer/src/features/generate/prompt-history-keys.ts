/**
 * ↑ and ↓ in the prompt box walk the prompt history, as a shell does: ↑ when the box is empty or the
 * caret is on its first (drawn) line, and on from there while a recalled prompt is shown; ↓ only
 * while one is shown, back to what was being typed. Elsewhere the keys move the caret as usual.
 */
import { tick } from 'svelte';
import { caretBox } from '../../lib/prompt/caret.ts';
import type { PromptPair } from '../../lib/state/kept-store.ts';
import type { PromptHistory } from '../../lib/state/prompt-history.svelte.ts';

/** the caret is on the first line the textarea draws (a long prompt wraps: lines as seen, not as typed) */
function onFirstLine(field: HTMLTextAreaElement): boolean {
  if (field.value === '' || field.selectionStart === 0) return true;
  return caretBox(field, field.selectionStart).top <= caretBox(field, 0).top;
}

/** Handles ↑/↓ for the history; true when it took the key (the caller prevents its default). */
export function historyKey(event: KeyboardEvent, field: HTMLTextAreaElement, form: PromptPair, history: PromptHistory): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return false;
  let next: PromptPair | null = null;
  if (event.key === 'ArrowUp' && (history.browsing || onFirstLine(field))) next = history.back({ prompt: form.prompt, negativePrompt: form.negativePrompt });
  else if (event.key === 'ArrowDown' && history.browsing) next = history.forward();
  if (!next) return false;
  form.prompt = next.prompt;
  form.negativePrompt = next.negativePrompt;
  // the caret at the end, as a shell leaves it
  void tick().then(() => field.setSelectionRange(field.value.length, field.value.length));
  return true;
}
