/**
 * Prompt help for models with a vocabulary (the real reverie-mini vocabulary.json): words and
 * phrases with A1111 syntax stripped, unknown words with related and spelling suggestions,
 * completions for the word at the caret, and the state class that ties them to the form.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelReport, ModelVocabulary } from '../../../src-renderer/src/lib/api/types.ts';
import { suggestFor, unknownWords } from '../../../src-renderer/src/lib/prompt/check.ts';
import { completionsAt } from '../../../src-renderer/src/lib/prompt/complete.ts';
import { allowedEdits, editDistance, spellingSuggestions } from '../../../src-renderer/src/lib/prompt/spelling.ts';
import { buildVocabularyIndex } from '../../../src-renderer/src/lib/prompt/vocabulary.ts';
import { maskPromptSyntax, promptWords, wordBeforeCaret } from '../../../src-renderer/src/lib/prompt/words.ts';
import { PromptAssist, applyEdit } from '../../../src-renderer/src/lib/state/prompt-assist.svelte.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const vocabulary = JSON.parse(readFileSync(path.join(REPO, 'models', 'reverie-mini', 'vocabulary.json'), 'utf8')) as ModelVocabulary;
const index = buildVocabularyIndex(vocabulary);
const unknown = (prompt: string): string[] => unknownWords(prompt, index).map((u) => u.word);
const texts = (prompt: string, caret = prompt.length): string[] => completionsAt(prompt, caret, index)?.items.map((c) => c.text) ?? [];

describe('prompt words', () => {
  it('strips A1111 syntax, numbers and BREAK, keeping offsets into the prompt', () => {
    const prompt = '(cat:1.2), [dog], <lora:emoji_v2:0.8> {red|blue} BREAK 42 [apple:pear:0.5] \\(x\\)';
    expect(maskPromptSyntax(prompt)).toHaveLength(prompt.length);
    const words = promptWords(prompt);
    expect(words.map((w) => w.text)).toEqual(['cat', 'dog', 'red', 'blue', 'apple', 'pear', 'x']);
    for (const w of words) expect(prompt.slice(w.start, w.end).toLowerCase()).toBe(w.text);
    expect(promptWords('hot dog, hot (dog)').map((w) => w.joined)).toEqual([false, true, false, false]);
  });

  it('finds the word the caret ends, not one it is inside of', () => {
    expect(wordBeforeCaret('a subm', 6)).toEqual({ start: 2, prefix: 'subm' });
    expect(wordBeforeCaret('a submarine', 4)).toBeNull();
    expect(wordBeforeCaret('a cat ', 6)).toBeNull();
    expect(wordBeforeCaret('(cat:1.', 7)).toBeNull();
    expect(wordBeforeCaret('<lora:emo', 9)).toBeNull();
  });
});

describe('known and unknown words', () => {
  it('knows objects, phrases, synonyms, scene words and the caption glue', () => {
    expect(unknown('a hot dog and a palm tree on a grey background')).toEqual([]);
    expect(unknown('a four leaf clover, a fire engine and a Fire Truck in the top left corner')).toEqual([]);
    expect(unknown('A small kitten on the left against a plain beige backdrop, 3d style')).toEqual([]);
    expect(unknown('a picture of a huge t-rex at the bottom, flat cartoon style')).toEqual([]);
    expect(unknown('((cat:1.3)) [dog] <lora:x:0.5> 2 BREAK blue')).toEqual([]);
    // parts of a phrase are not words of their own
    expect(unknown('a hot four on a blue background')).toEqual(['hot', 'four']);
    expect(unknown('a hot, dog')).toEqual(['hot']);
  });

  it('names each unknown word once, with related objects first, then spellings', () => {
    const found = unknownWords('a submarine and a submarine, an elefant, a giraf, xyzzy', index);
    expect(found.map((u) => [u.word, u.source, u.suggestions])).toEqual([
      ['submarine', 'related', ['ship', 'sailboat']],
      ['elefant', 'spelling', ['elephant']],
      ['giraf', 'spelling', ['giraffe']],
      ['xyzzy', 'none', []],
    ]);
    expect(found[0]).toMatchObject({ start: 2, end: 11 });
    expect(suggestFor('trucks', index)).toEqual({ source: 'related', suggestions: ['fire engine', 'bus', 'car'] });
    expect(suggestFor('flower', index).suggestions).toEqual(['tulip', 'rose', 'sunflower']);
    expect(suggestFor('cats', index)).toEqual({ source: 'spelling', suggestions: ['cat'] });
    expect(suggestFor('icecream', index).suggestions[0]).toBe('ice cream');
    // the word being typed (ending at the caret) is left out
    expect(unknownWords('a subm', index, 6)).toEqual([]);
  });

  it('measures spelling by Damerau–Levenshtein distance with a budget by length', () => {
    expect(editDistance('elefant', 'elephant')).toBe(2);
    expect(editDistance('tigre', 'tiger')).toBe(1); // one swap
    expect(editDistance('cat', 'dog')).toBe(3);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3); // gives up past the budget
    expect(allowedEdits(2)).toBe(0);
    expect(spellingSuggestions('bananna', ['banana', 'bandana', 'cat'])).toEqual(['banana', 'bandana']);
  });
});

describe('completions', () => {
  it('offers the model words that start with the word being typed, objects first and shortest first', () => {
    expect(texts('a ca').slice(0, 4)).toEqual(['car', 'cat', 'camel', 'cactus']);
    expect(texts('a ca')).toContain('cake'); // synonyms after objects
    expect(texts('a cat on a bl')).toEqual(['blue', 'black']);
    expect(texts('a kit')).toEqual(['kitty', 'kitten']);
    expect(completionsAt('a kit', 5, index)?.items[0]).toMatchObject({ kind: 'synonym', note: 'cat', from: 2 });
    expect(texts('a c')).toEqual([]); // one letter is too little
    expect(texts('a cat')).not.toContain('cat'); // already complete
  });

  it('continues phrases already begun and finds later words of phrases', () => {
    const palm = completionsAt('a palm t', 8, index);
    expect(palm?.items[0]).toMatchObject({ text: 'palm tree', from: 2 });
    expect(texts('a cat on the le')).toContain('on the left');
    expect(texts('a cat in the top r')[0]).toBe('in the top right corner');
    expect(texts('a tre')).toEqual(expect.arrayContaining(['tree', 'palm tree', 'christmas tree']));
    expect(texts('a tre')[0]).toBe('tree');
  });

  it('suggests the related objects for words the model never learned', () => {
    const set = completionsAt('a subm', 6, index);
    expect(set?.items.map((c) => [c.text, c.kind, c.note])).toEqual([
      ['ship', 'related', 'submarine'],
      ['sailboat', 'related', 'submarine'],
    ]);
  });
});

describe('PromptAssist', () => {
  const model = { id: '/m/reverie-mini', name: 'reverie-mini', vocabulary } as unknown as ModelReport;

  it('opens for typing, moves, accepts with a trailing space and dismisses', () => {
    const form = { model, prompt: 'a subm' };
    const assist = new PromptAssist(form);
    expect(assist.enabled).toBe(true);
    expect(assist.open).toBe(false); // not focused
    assist.focus(true, 6);
    expect(assist.open).toBe(false); // focusing does not open it
    assist.typed(6);
    expect(assist.open).toBe(true);
    expect(assist.active).toBe(0);
    assist.step(1);
    expect(assist.active).toBe(1);
    assist.step(1);
    expect(assist.active).toBe(0); // wraps
    const edit = assist.accept(1);
    expect(edit).toEqual({ from: 2, to: 6, insert: 'sailboat ' });
    expect(applyEdit(form.prompt, edit!)).toEqual({ text: 'a sailboat ', caret: 11 });
    expect(assist.open).toBe(false);
  });

  it('names unknown words (three at most) and replaces one with a suggestion', () => {
    const form = { model, prompt: 'a submarine on a blue background' };
    const assist = new PromptAssist(form);
    expect(assist.hints.map((h) => h.word)).toEqual(['submarine']);
    const edit = assist.replace(assist.hints[0], 'ship');
    expect(applyEdit(form.prompt, edit).text).toBe('a ship on a blue background');
    form.prompt = 'zork glorp blarg fnord';
    expect(assist.unknown).toHaveLength(4);
    expect(assist.hints).toHaveLength(3);
  });

  it('does nothing for models without a vocabulary', () => {
    const assist = new PromptAssist({ model: { ...model, vocabulary: undefined }, prompt: 'a submarine' });
    assist.focus(true, 11);
    assist.typed(11);
    expect(assist.enabled).toBe(false);
    expect(assist.open).toBe(false);
    expect(assist.hints).toEqual([]);
  });
});
