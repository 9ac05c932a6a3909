import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instant, lineText, proseText, textProblem } from './input-rules.js';

describe('instant', () => {
  it('takes the years 1970 to 9999 once the offset is applied, and nothing outside', () => {
    const ok = ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00-01:00', '9999-12-31T23:59:59.999Z'];
    const refused = [
      '9999-12-31T23:59:59-14:00',
      '1970-01-01T00:00:00+14:00',
      '1969-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2030-01-01',
    ];
    for (const v of ok) expect({ v, ok: instant().safeParse(v).success }).toEqual({ v, ok: true });
    for (const v of refused) expect({ v, ok: instant().safeParse(v).success }).toEqual({ v, ok: false });
  });

  it('gives a Date that PostgreSQL reads back: an ISO string with a four-digit year', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => {
        const parsed = instant().safeParse(d.toISOString());
        if (parsed.success) expect(parsed.data.toISOString()).toMatch(/^\d{4}-/);
      }),
    );
  });
});

describe('text', () => {
  it('refuses controls, bidirectional and invisible formatting characters, and unpaired surrogates', () => {
    for (const char of ['\u0000', '\u0007', '\r', '\t', '\u007f', '\u0085', '\u061c', '\u200b', '\u200e']) {
      expect(textProblem(`a${char}b`, { newlines: true }), JSON.stringify(char)).not.toBeNull();
    }
    for (const char of ['\u202a', '\u202e', '\u2066', '\u2069', '\u2028', '\u2060', '\ufeff', '\ud800']) {
      expect(textProblem(`a${char}b`, { newlines: true }), JSON.stringify(char)).not.toBeNull();
    }
    expect(textProblem('a\u202eb', { newlines: false })).toContain('U+202E');
    expect(textProblem('a\u0000b', { newlines: false })).toBe('must not contain NUL characters');
  });

  it('keeps newlines only where text may span lines, and joiners, emoji and other scripts everywhere', () => {
    expect(textProblem('one\ntwo', { newlines: true })).toBeNull();
    expect(textProblem('one\ntwo', { newlines: false })).not.toBeNull();
    for (const v of ['👩‍🎨', 'می‌خواهم', 'כד', 'Äpfel', '\u{1f1eb}\u{1f1f7}']) {
      expect(textProblem(v, { newlines: false }), v).toBeNull();
    }
  });

  it('lineText trims and bounds the length; proseText bounds it', () => {
    expect(lineText(5).safeParse('  abc \n').data).toBe('abc');
    expect(lineText(5).safeParse('   ').success).toBe(false);
    expect(lineText(5).safeParse('abcdef').success).toBe(false);
    expect(proseText(5).safeParse('a\nb').data).toBe('a\nb');
    expect(proseText(5).safeParse('abcdef').success).toBe(false);
  });
});
