/**
 * The test provider stands in for a real one in development and tests: a card number ending 4242 is authorized,
 * one ending 0002 is declined, anything else is declined as not a test card. Given PostgreSQL, it keeps its ledger
 * in `test_provider_ledger` (one row per idempotency key and operation), which any process can read; it also keeps
 * what this process captured and voided in memory. `hang` makes an operation never answer, for tests that kill a
 * process in the middle of a payment.
 */
import type { Sql } from 'postgres';
import type { AuthorizeResult, PaymentProvider, PaymentRef } from './payments.js';

export interface TestPaymentProvider extends PaymentProvider {
  /** References (reservation ids) whose authorization this process captured / voided, in order, once per key. */
  captured: string[];
  voided: string[];
}

export interface TestProviderOptions {
  /** Where the ledger is kept across processes; without it, in memory only. */
  sql?: Sql;
  /** An operation that never answers (it is not recorded either). */
  hang?: 'authorize' | 'capture' | 'void';
}

type Operation = 'authorize' | 'capture' | 'void';

export function createTestPaymentProvider({ sql, hang }: TestProviderOptions = {}): TestPaymentProvider {
  const captured: string[] = [];
  const voided: string[] = [];
  const seen = new Map<string, AuthorizeResult>();
  const done = new Set<string>();

  /** Records the operation once per key; false when it was recorded before (a repeated call). */
  async function record(op: Operation, p: PaymentRef, approved = true): Promise<boolean> {
    const key = `${op}:${p.idempotencyKey}`;
    if (done.has(key)) return false;
    if (sql) {
      const rows = await sql`
        INSERT INTO test_provider_ledger (idempotency_key, operation, reference, amount_cents, approved)
        VALUES (${p.idempotencyKey}, ${op}, ${p.reference}, ${p.amountCents}, ${approved})
        ON CONFLICT DO NOTHING RETURNING 1`;
      if (rows.length === 0) return false;
    }
    done.add(key);
    return true;
  }

  const never = () => new Promise<never>(() => {});

  return {
    captured,
    voided,
    async authorize({ card, ...p }) {
      if (hang === 'authorize') return never();
      const known = seen.get(p.idempotencyKey);
      if (known) return known;
      const digits = card.number.replace(/[\s-]/g, '');
      const result: AuthorizeResult = digits.endsWith('4242')
        ? { approved: true }
        : {
            approved: false,
            reason: digits.endsWith('0002')
              ? 'the card was declined'
              : 'not a test card: use a number ending 4242 (approved) or 0002 (declined)',
          };
      await record('authorize', p, result.approved);
      seen.set(p.idempotencyKey, result);
      return result;
    },
    async capture(p) {
      if (hang === 'capture') return never();
      if (await record('capture', p)) captured.push(p.reference);
    },
    async void(p) {
      if (hang === 'void') return never();
      if (await record('void', p)) voided.push(p.reference);
    },
  };
}
