/**
 * A1111's `parameters` text (the "infotext" users paste around):
 *
 *   <prompt, may span lines>
 *   Negative prompt: <negative, may span lines>
 *   Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x512, Model: x
 *
 * Follows stable-diffusion-webui `modules/processing.py` (create_infotext) and
 * `modules/infotext_utils.py` (quote/unquote, parse_generation_parameters and its `re_param`):
 * a value containing ',', ':' or a newline is written as a JSON string; the last line counts as the
 * settings line only when it holds at least three `key: value` pairs.
 */

export interface A1111Parameters {
  readonly prompt: string;
  readonly negativePrompt: string;
  /** settings in their order of appearance, values unquoted; unknown keys are kept */
  readonly settings: readonly (readonly [string, string])[];
}

/** A1111's quote(): JSON-encode a value that would otherwise break the settings line. */
export function quoteA1111(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

// re_param of infotext_utils.py; \w is made Unicode-aware as in Python 3.
const PARAM_RE = /\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/gu;

function settingsOf(line: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of line.matchAll(PARAM_RE)) {
    out.push([m[1], unquote(m[2])]);
  }
  return out;
}

/**
 * Formats A1111 infotext. Prompt and negative are trimmed, as A1111 strips the whole text; the
 * negative line is left out when the negative prompt is empty. Round trip: parseA1111(formatA1111(p))
 * gives p back when no prompt line has leading/trailing whitespace or starts with "Negative prompt:"
 * (A1111's parser strips every line, so such prompts cannot survive any A1111 round trip).
 */
export function formatA1111(p: A1111Parameters): string {
  const settings = p.settings.map(([k, v]) => (k === v ? k : `${k}: ${quoteA1111(v)}`)).join(', ');
  const negative = p.negativePrompt.trim() ? `\nNegative prompt: ${p.negativePrompt.trim()}` : '';
  return `${p.prompt.trim()}${negative}\n${settings}`.trim();
}

/** Parses A1111 infotext; never throws (text that is not infotext becomes the prompt). */
export function parseA1111(text: string): A1111Parameters {
  const lines = text.trim().replace(/\r\n?/g, '\n').split('\n');
  let settings: [string, string][] = [];
  const last = lines[lines.length - 1] ?? '';
  const candidate = settingsOf(last);
  if (candidate.length >= 3) {
    settings = candidate;
    lines.pop();
  }
  const prompt: string[] = [];
  const negative: string[] = [];
  let inNegative = false;
  for (const raw of lines) {
    let line = raw.trim();
    if (line.startsWith('Negative prompt:')) {
      inNegative = true;
      line = line.slice('Negative prompt:'.length).trim();
    }
    (inNegative ? negative : prompt).push(line);
  }
  return { prompt: prompt.join('\n'), negativePrompt: negative.join('\n'), settings };
}

/** The value of a setting by key (first occurrence). */
export function settingOf(p: A1111Parameters, key: string): string | undefined {
  return p.settings.find(([k]) => k === key)?.[1];
}
