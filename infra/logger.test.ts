import { describe, expect, test } from 'vitest';
import { createLogger } from './logger.js';

const buyer = {
  name: 'Ottilie Brennwald',
  email: 'ottilie@brennwald.example',
  address: { line1: '9 Kieselgasse', city: 'Moosbach', postalCode: '55555', country: 'AT' },
};

describe('the logger', () => {
  test('a buyer, a card, a request body, a mail and a database error’s parameters are written as [redacted]', () => {
    const lines: string[] = [];
    const log = createLogger('debug', 'test', { write: (line: string) => void lines.push(line) });
    log.info({ buyer, orderId: 'rsv_1' }, 'paying');
    log.info({ req: { buyer, card: { number: '4242424242424242', cvc: '123' } } }, 'pay request');
    log.warn({ body: JSON.stringify({ buyer }) }, 'body');
    log.info({ mail: { to: buyer.email, text: `Thank you, ${buyer.name}` } }, 'mail');
    log.error({ err: { message: 'insert failed', parameters: [buyer.name, buyer.email] } }, 'failed');
    log.error(
      { err: { message: 'check failed', detail: `Failing row contains (${buyer.name}).` } },
      'failed',
    );
    log.info(
      { row: { buyer_name: buyer.name, buyer_email: buyer.email, shipping_address: buyer.address } },
      'row',
    );
    const output = lines.join('');
    for (const secret of [
      'Ottilie',
      'Brennwald',
      'brennwald',
      'Kieselgasse',
      'Moosbach',
      '4242424242424242',
      '123"',
    ])
      expect(output, secret).not.toContain(secret);
    expect(output).toContain('[redacted]');
    // What is not personal stays readable.
    expect(output).toContain('rsv_1');
    expect(output).toContain('insert failed');
  });
});
