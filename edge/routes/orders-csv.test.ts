import { describe, expect, it } from 'vitest';
import { csvCell, csvFilename, csvRecord, currencyUnits } from './orders-csv.js';

describe('CSV cells', () => {
  it('neutralises what a spreadsheet would run, then quotes what RFC 4180 asks', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('plain 1=1')).toBe('plain 1=1');
    expect(csvCell('')).toBe('');
    expect(csvRecord(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });

  it('writes amounts in the currency’s own units, exactly', () => {
    expect(currencyUnits(4_999, 'USD')).toBe('49.99');
    expect(currencyUnits(5, 'EUR')).toBe('0.05');
    expect(currencyUnits(0, 'USD')).toBe('0.00');
    expect(currencyUnits(1_200, 'JPY')).toBe('1200');
    expect(currencyUnits(12_345, 'BHD')).toBe('12.345');
    expect(currencyUnits(100_000_000_000_01, 'USD')).toBe('100000000000.01');
  });

  it('names the file in safe characters only', () => {
    const at = new Date('2030-05-06T23:59:00Z');
    expect(csvFilename('LC-1', at)).toBe('orders-LC-1-2030-05-06.csv');
    expect(csvFilename('Über "Chair" / ../x;\r\n', at)).toBe('orders-Uber-Chair-x-2030-05-06.csv');
    expect(csvFilename('☃☃', at)).toBe('orders-drop-2030-05-06.csv');
    expect(csvFilename('x'.repeat(64), at)).toBe(`orders-${'x'.repeat(40)}-2030-05-06.csv`);
  });
});
