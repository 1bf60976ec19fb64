import { z } from 'zod';

/**
 * The longest prompt (or negative prompt) the studio takes, in characters: the engine's
 * MAX_PROMPT_CHARS (engine/pipelines/prompt-limit.ts), which the CLI enforces; a unit test keeps the
 * two equal (issue 18, item 7). The text encoder reads only its first few hundred tokens anyway.
 */
export const MAX_PROMPT_CHARS = 20_000;

/** A prompt field: text of at most MAX_PROMPT_CHARS characters, refused with the length and what to do. */
export function promptText(what: string): z.ZodString {
  return z.string().max(MAX_PROMPT_CHARS, {
    error: (issue) => {
      const length = typeof issue.input === 'string' ? `${issue.input.length} characters` : 'too long';
      return `the ${what} is ${length}; Reverie takes at most ${MAX_PROMPT_CHARS} (the model reads only its first few hundred tokens): shorten it`;
    },
  });
}
