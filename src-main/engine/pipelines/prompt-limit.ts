/**
 * How long a prompt may be (issue 18, item 7). The text encoder reads only its first chunks of tokens
 * (one window, or A1111-style up to the model's chunk count) and cuts off the rest with a warning, so
 * text far beyond that is never seen by the model; a bound keeps a pasted file or a runaway script
 * from reaching the tokenizer, the job queue and the gallery's metadata. The studio's schemas
 * (src-main/ipc/schemas: prompt and negative prompt, `.max(20_000)`) and the CLI (through
 * checkTxt2ImgParams, before any model loads) refuse the same length; a test keeps them equal.
 */
import { EngineError } from '../types.ts';

/** characters (UTF-16 code units, what the studio's schema counts) in one prompt or negative prompt */
export const MAX_PROMPT_CHARS = 20_000;

function grouped(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, ' ');
}

/** The message for a text over the limit; `what` is "prompt" or "negative prompt". */
export function promptTooLongMessage(what: string, length: number): string {
  return (
    `the ${what} is ${grouped(length)} characters; Reverie takes at most ${grouped(MAX_PROMPT_CHARS)}. ` +
    `The model reads only its first few hundred tokens and cuts off the rest, so shorten the ${what} ` +
    `(keep what matters most at the start)`
  );
}

/** Throws EngineError('BAD_INPUT') when the text is longer than MAX_PROMPT_CHARS. */
export function checkPromptLength(what: string, text: string): void {
  if (text.length > MAX_PROMPT_CHARS) throw new EngineError('BAD_INPUT', promptTooLongMessage(what, text.length), { what, length: text.length, limit: MAX_PROMPT_CHARS });
}
