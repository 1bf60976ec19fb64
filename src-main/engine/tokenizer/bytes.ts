/**
 * Byte-level BPE alphabet: every UTF-8 byte is represented by one visible, non-whitespace
 * character, so any text (emoji, CJK, control characters) can be spelled with the vocabulary.
 *
 * Follows `bytes_to_unicode()` in OpenAI CLIP's `clip/simple_tokenizer.py` (the same table as
 * GPT-2's `encoder.py` and Hugging Face's `CLIPTokenizer`): the printable Latin-1 bytes
 * '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves; the remaining 68 bytes (controls, space,
 * DEL, NBSP, soft hyphen) are given U+0100, U+0101, ... in increasing byte order.
 */

function buildByteToChar(): readonly string[] {
  const table: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCharCode(printable ? b : next++));
  }
  return table;
}

/** byte value → its BPE symbol (one UTF-16 code unit, all in the BMP) */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** BPE symbol → byte value (the inverse of BYTE_TO_CHAR) */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Spell a piece of text in the byte alphabet: UTF-8 encode it, then map each byte to its symbol.
 * Lone surrogates become U+FFFD's bytes (TextEncoder's rule; ftfy's fix_surrogates does the same).
 */
export function toByteSymbols(text: string): string {
  let out = '';
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    out += BYTE_TO_CHAR[c];
  }
  if (ascii) return out;
  out = '';
  for (const b of utf8Encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/**
 * Turn BPE token strings back into text, like `SimpleTokenizer.decode` in OpenAI CLIP: join the
 * tokens, map symbols back to bytes, decode UTF-8 (invalid or cut-off sequences become U+FFFD) and
 * turn each end-of-word marker `</w>` into a space. Trailing whitespace is trimmed, so
 * `decodeTokens(['a</w>', 'photo</w>'])` is `'a photo'`. Characters outside the byte alphabet
 * (not produced by this tokenizer) are kept as they are.
 */
export function decodeTokens(tokens: readonly string[]): string {
  const bytes: number[] = [];
  for (const token of tokens) {
    for (const ch of token) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b !== undefined) bytes.push(b);
      else for (const raw of utf8Encoder.encode(ch)) bytes.push(raw);
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes)).replaceAll('</w>', ' ').trimEnd();
}
