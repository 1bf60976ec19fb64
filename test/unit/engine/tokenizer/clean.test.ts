import { describe, expect, it } from 'vitest';
import { cleanPrompt, collapseWhitespace, fixText } from '../../../../src-main/engine/tokenizer/clean.ts';
import { unescapeHtml, unescapeHtmlFtfy } from '../../../../src-main/engine/tokenizer/html.ts';

// Expected strings follow the documented behaviour of Python's html.unescape (CPython docs and
// Lib/html/__init__.py), ftfy 6.3's fixers (their docstrings) and CLIP's whitespace_clean.

describe('unescapeHtml (Python html.unescape rules)', () => {
  it('decodes named, decimal and hex references', () => {
    expect(unescapeHtml('fish &amp; chips &lt;3 &quot;hi&quot; &apos;x&apos;')).toBe('fish & chips <3 "hi" \'x\'');
    expect(unescapeHtml('&#65;&#x42;&#X43;&eacute;&hellip;&mdash;&euro;&alpha;')).toBe('ABCé…—€α');
  });

  it('accepts legacy names without a semicolon, longest name first', () => {
    expect(unescapeHtml('&amp &copy2024 &notit;')).toBe('& ©2024 ¬it;');
    expect(unescapeHtml('&AMP; &COPY; &eacutex')).toBe('& © éx');
  });

  it('reads numeric references like browsers do', () => {
    expect(unescapeHtml('&#150;&#x93;&#0;&#xD800;&#1114112;&#13;')).toBe('–“\ufffd\ufffd\ufffd\r');
    expect(unescapeHtml('a&#1;b&#xFFFF;c&#x1F525;')).toBe('abc🔥');
    expect(unescapeHtml('&#8217')).toBe('\u2019');
  });

  it('leaves unknown or malformed references alone', () => {
    expect(unescapeHtml('&bogus; & &; &#; &#x; AT&T')).toBe('&bogus; & &; &#; &#x; AT&T');
  });

  it('unescapes one level per call', () => {
    expect(unescapeHtml('&amp;amp;')).toBe('&amp;');
    expect(unescapeHtml(unescapeHtml('&amp;amp;'))).toBe('&');
  });
});

describe('unescapeHtmlFtfy (ftfy unescape_html)', () => {
  it('decodes only terminated references, and all-caps names', () => {
    expect(unescapeHtmlFtfy('this&not that &amp; &#8217; &#8217')).toBe('this&not that & \u2019 &#8217');
    expect(unescapeHtmlFtfy('P&EACUTE;REZ BUNDESSTRA&SZLIG;E')).toBe('PÉREZ BUNDESSTRASSE');
  });
});

describe('fixText (ftfy fix_text subset)', () => {
  it('straightens curly quotes', () => {
    expect(fixText('\u201chere\u2019s a test\u201d \u2018x\u201b \u02bc')).toBe('"here\'s a test" \'x\' \'');
  });

  it('narrows full-width and half-width forms', () => {
    expect(fixText('ＬＯＵＤ\u3000ＮＯＩＳＥＳ')).toBe('LOUD NOISES');
    expect(fixText('Ｕﾀｰﾝ')).toBe('Uターン');
  });

  it('splits Latin ligatures', () => {
    expect(fixText('ﬂubberiﬁc ﬀ ﬆ Ĳssel')).toBe('flubberific ff st IJssel');
  });

  it('reads C1 controls as Windows-1252 and drops stray control characters', () => {
    expect(fixText('\x93quoted\x94 \x96 dash')).toBe('"quoted" \u2013 dash');
    expect(fixText('a\x00b\x07c\x1bd\ufeffe\u206af\x7fg')).toBe('abcdefg');
    expect(fixText("\x1b[36;44mI'm blue\x1b[0m")).toBe("I'm blue");
  });

  it('unifies line breaks and replaces lone surrogates', () => {
    // U+0085 is read as Windows-1252 '…' first (fix_c1_controls runs before fix_line_breaks)
    expect(fixText('a\r\nb\rc\u2028d\u2029e\x85f')).toBe('a\nb\nc\nd\ne…f');
    expect(fixText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(fixText('\ud83d\udd25')).toBe('🔥');
  });

  it('normalises to NFC', () => {
    expect(fixText('cafe\u0301 n\u0303')).toBe('café ñ');
    expect(fixText('\u212b')).toBe('Å');
  });

  it('unescapes HTML unless the line looks like HTML', () => {
    expect(fixText('Broken text&hellip; it&#x2019;s')).toBe("Broken text… it's");
    expect(fixText('<b>&rsquo;</b>')).toBe('<b>&rsquo;</b>');
    expect(fixText('&rsquo;\n<b>\n&rsquo;')).toBe("'\n<b>\n&rsquo;");
  });
});

describe('cleanPrompt', () => {
  it('is ftfy, double unescape, whitespace collapse and lower case', () => {
    expect(cleanPrompt('  Fish &amp;amp; CHIPS\n\n\t&lt;b&gt;  ')).toBe('fish & chips <b>');
    expect(cleanPrompt('Don\u2019t\u00a0\u00a0STOP\u3000')).toBe("don't stop");
  });

  it('collapses Unicode whitespace but keeps zero-width and BOM-like characters out of it', () => {
    expect(collapseWhitespace('\t a \u2003\u2009 b \u205f\u3000\n')).toBe('a b');
    expect(collapseWhitespace('a\u200bb')).toBe('a\u200bb');
  });
});
