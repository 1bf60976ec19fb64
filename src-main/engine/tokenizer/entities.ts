/**
 * Named HTML character references understood by the prompt cleaner.
 *
 * Python's `html.unescape` (which CLIP's `basic_clean` calls twice) knows all 2,231 HTML5 names.
 * We carry the 252 HTML 4.01 names (W3C HTML 4.01 §24: Latin-1, symbols and Greek, special
 * characters) plus `&apos;`, with their HTML5 values (`lang`/`rang` are U+27E8/U+27E9 in HTML5),
 * and the HTML5 "legacy" names that also match without a semicolon (`&amp`, `&copy`, `&eacute`
 * ...). That covers what appears in real prompts (typography, accents, arrows, Greek); rarer
 * HTML5-only names such as `&NotNestedGreaterGreater;` are left as typed.
 */

/** U+00A0..U+00FF in code point order; every one is also an HTML5 legacy (no-semicolon) name */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 ' +
  'sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc ' +
  'Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve ' +
  'Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute ' +
  'acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ' +
  'ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

/** name:hex code point, for the rest of HTML 4.01 plus apos */
const OTHERS =
  'quot:22 amp:26 apos:27 lt:3c gt:3e OElig:152 oelig:153 Scaron:160 scaron:161 Yuml:178 fnof:192 ' +
  'circ:2c6 tilde:2dc Alpha:391 Beta:392 Gamma:393 Delta:394 Epsilon:395 Zeta:396 Eta:397 Theta:398 ' +
  'Iota:399 Kappa:39a Lambda:39b Mu:39c Nu:39d Xi:39e Omicron:39f Pi:3a0 Rho:3a1 Sigma:3a3 Tau:3a4 ' +
  'Upsilon:3a5 Phi:3a6 Chi:3a7 Psi:3a8 Omega:3a9 alpha:3b1 beta:3b2 gamma:3b3 delta:3b4 epsilon:3b5 ' +
  'zeta:3b6 eta:3b7 theta:3b8 iota:3b9 kappa:3ba lambda:3bb mu:3bc nu:3bd xi:3be omicron:3bf pi:3c0 ' +
  'rho:3c1 sigmaf:3c2 sigma:3c3 tau:3c4 upsilon:3c5 phi:3c6 chi:3c7 psi:3c8 omega:3c9 thetasym:3d1 ' +
  'upsih:3d2 piv:3d6 ensp:2002 emsp:2003 thinsp:2009 zwnj:200c zwj:200d lrm:200e rlm:200f ndash:2013 ' +
  'mdash:2014 lsquo:2018 rsquo:2019 sbquo:201a ldquo:201c rdquo:201d bdquo:201e dagger:2020 ' +
  'Dagger:2021 bull:2022 hellip:2026 permil:2030 prime:2032 Prime:2033 lsaquo:2039 rsaquo:203a ' +
  'oline:203e frasl:2044 euro:20ac image:2111 weierp:2118 real:211c trade:2122 alefsym:2135 larr:2190 ' +
  'uarr:2191 rarr:2192 darr:2193 harr:2194 crarr:21b5 lArr:21d0 uArr:21d1 rArr:21d2 dArr:21d3 ' +
  'hArr:21d4 forall:2200 part:2202 exist:2203 empty:2205 nabla:2207 isin:2208 notin:2209 ni:220b ' +
  'prod:220f sum:2211 minus:2212 lowast:2217 radic:221a prop:221d infin:221e ang:2220 and:2227 or:2228 ' +
  'cap:2229 cup:222a int:222b there4:2234 sim:223c cong:2245 asymp:2248 ne:2260 equiv:2261 le:2264 ' +
  'ge:2265 sub:2282 sup:2283 nsub:2284 sube:2286 supe:2287 oplus:2295 otimes:2297 perp:22a5 ' +
  'sdot:22c5 lceil:2308 rceil:2309 lfloor:230a rfloor:230b lang:27e8 rang:27e9 loz:25ca spades:2660 ' +
  'clubs:2663 hearts:2665 diams:2666';

/** HTML5 legacy names outside Latin-1 that also match without ';' (and their upper-case aliases) */
const LEGACY_EXTRA = ['quot', 'amp', 'lt', 'gt'];
const UPPER_ALIASES: readonly (readonly [string, string])[] = [
  ['AMP', 'amp'],
  ['LT', 'lt'],
  ['GT', 'gt'],
  ['QUOT', 'quot'],
  ['COPY', 'copy'],
  ['REG', 'reg'],
];

function buildEntities(): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  LATIN1.split(' ').forEach((name, i) => {
    const ch = String.fromCharCode(0xa0 + i);
    map.set(`${name};`, ch);
    map.set(name, ch);
  });
  for (const pair of OTHERS.split(' ')) {
    const [name, hex] = pair.split(':') as [string, string];
    map.set(`${name};`, String.fromCodePoint(Number.parseInt(hex, 16)));
  }
  for (const name of LEGACY_EXTRA) map.set(name, map.get(`${name};`) as string);
  for (const [upper, lower] of UPPER_ALIASES) {
    const ch = map.get(`${lower};`) as string;
    map.set(`${upper};`, ch);
    map.set(upper, ch);
  }
  return map;
}

/**
 * Keys are names as they follow '&': `'amp;'` for the terminated form, `'amp'` for the legacy
 * unterminated form (only names HTML5 allows without ';' have such a key), like Python's
 * `html.entities.html5`.
 */
export const HTML_ENTITIES: ReadonlyMap<string, string> = buildEntities();

/**
 * ftfy's own entity table (`ftfy/chardata.py` `_build_html_entities`): only ';'-terminated names,
 * plus an all-caps alias for every lower-case name that is not already an entity, decoding to the
 * upper-cased character (`&EACUTE;` → 'É', `&SZLIG;` → 'SS'), for text that was upper-cased after
 * it was escaped.
 */
function buildFtfyEntities(): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [name, ch] of HTML_ENTITIES) if (name.endsWith(';')) map.set(name, ch);
  for (const [name, ch] of [...map]) {
    const upper = name.toUpperCase();
    if (name === name.toLowerCase() && !HTML_ENTITIES.has(upper)) map.set(upper, ch.toUpperCase());
  }
  return map;
}

export const FTFY_ENTITIES: ReadonlyMap<string, string> = buildFtfyEntities();

/**
 * Windows-1252 meaning of the C1 range 0x80..0x9F, for numeric references (`&#150;` is '–' in
 * every browser and in Python's `html._invalid_charrefs`) and for ftfy's `fix_c1_controls`.
 * The five bytes Windows-1252 leaves undefined map to themselves.
 */
export const WINDOWS_1252_C1: readonly string[] = Array.from(
  '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ',
);
