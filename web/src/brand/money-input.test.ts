import { describe, expect, it } from 'vitest';
import { decimalsOf, parsePrice, priceHint, unitsText } from './money-input.js';

describe('prices in the currency’s units', () => {
  it('reads "249.00" EUR as 24900 and "2490" JPY as 2490, exactly', () => {
    expect(parsePrice('249.00', 'EUR')).toBe(24_900);
    expect(parsePrice('249', 'USD')).toBe(24_900);
    expect(parsePrice('0.29', 'USD')).toBe(29);
    expect(parsePrice('1.5', 'EUR')).toBe(150);
    expect(parsePrice('2490', 'JPY')).toBe(2490);
    expect(parsePrice('1000000.00', 'EUR')).toBe(100_000_000);
  });

  it('refuses what is not a price in that currency', () => {
    for (const [text, currency] of [
      ['249.001', 'EUR'],
      ['249,00', 'EUR'],
      ['-1', 'EUR'],
      ['', 'EUR'],
      ['abc', 'USD'],
      ['2490.5', 'JPY'],
      ['1000000.01', 'EUR'],
    ])
      expect(parsePrice(text!, currency!), `${text} ${currency}`).toBeNull();
  });

  it('writes minor units back as typed, and speaks of units in its hint', () => {
    expect(unitsText(24_900, 'EUR')).toBe('249.00');
    expect(unitsText(5, 'USD')).toBe('0.05');
    expect(unitsText(2490, 'JPY')).toBe('2490');
    expect(decimalsOf('JPY')).toBe(0);
    expect(decimalsOf('U1')).toBeNull();
    expect(priceHint('JPY')).toBe('Enter a price like 2490 (at most 100000000).');
    expect(priceHint('EUR')).toBe('Enter a price like 249.00 (at most 1000000.00).');
  });
});
