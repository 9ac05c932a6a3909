/**
 * The fields of the API's requests, each a valid value most of the time and a hostile one now and then: sign-in
 * credentials, a drop, a card and buyer, paging, and the headers of proof of work, idempotency and admission. ./hostile-values.ts
 * makes the rest of each request hostile around them.
 */
import fc from 'fast-check';
import { DEVICE_HEADER, PROOF_HEADER } from '../../edge/index.js';
import { headerText } from './hostile-request-shape.js';
import {
  futureDate,
  hostileCursor,
  hostileDate,
  hostileNumber,
  hostileQuery,
  hostileString,
} from './hostile-values.js';

export const paging = (realIds: readonly string[]) =>
  hostileQuery({
    limit: fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), hostileString(6)),
    cursor: hostileCursor(realIds),
  });

export const credentials = {
  email: fc.oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9]{1,12}@[a-z]{1,8}\.example$/) },
    { weight: 1, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: hostileString(30).map((s) => `${s}@example.com`) },
  ),
  password: fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 8, maxLength: 30 }) },
    { weight: 1, arbitrary: hostileString(210) },
  ),
};

export const dropFields = {
  title: fc.string({ minLength: 1, maxLength: 40 }),
  description: fc.string({ maxLength: 80 }),
  sku: fc.string({ minLength: 1, maxLength: 20 }),
  priceCents: fc.integer({ min: 0, max: 100_000_000 }),
  currency: fc.constantFrom('USD', 'EUR', 'usd', 'EURO'),
  stock: fc.integer({ min: 1, max: 1_000_000 }),
  perUserLimit: fc.integer({ min: 1, max: 1000 }),
  holdSeconds: fc.integer({ min: 1, max: 86_400 }),
  admissionPerMinute: fc.integer({ min: 1, max: 1_000_000 }),
  maxActive: fc.integer({ min: 1, max: 1_000_000 }),
  opensAt: fc.oneof({ weight: 3, arbitrary: futureDate() }, { weight: 1, arbitrary: hostileDate }),
  closesAt: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(null, '9999-12-31T23:59:59.999Z') },
    { weight: 1, arbitrary: hostileDate },
  ),
};

/** The card of a payment: valid (approved or declined) most of the time, almost valid or anything now and then. */
export const card = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('4242424242424242', '4000000000000002', '4242 4242 4242 4242')
      .map((number) => ({ number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ number: '4242424242424242', expMonth: 1, expYear: 2020, cvc: '123' }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { number: hostileString(), expMonth: hostileNumber, expYear: hostileNumber, cvc: hostileString(6) },
      { requiredKeys: ['number'] },
    ),
  },
  { weight: 1, arbitrary: hostileString() },
);

/** The buyer of a payment: with a shipping address most of the time, hostile fields now and then. */
export const buyer = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constant({
      name: 'Hostile Tester',
      email: 'buyer@example.test',
      address: { line1: '1 Test Street', city: 'Testville', postalCode: '10115', country: 'DE' },
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        name: hostileString(),
        email: fc.oneof(credentials.email, hostileString()),
        address: fc.record(
          {
            line1: hostileString(),
            line2: hostileString(),
            city: hostileString(),
            postalCode: hostileString(30),
            region: hostileString(),
            country: fc.oneof(fc.constantFrom('DE', 'us', 'DEU'), hostileString(4)),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: hostileString() },
);

/** A proof-of-work solution as a page sends it (`<challenge>.<nonce>`), one that is almost one, or anything. */
const proof = fc.oneof(
  fc
    .tuple(fc.base64String({ minLength: 24, maxLength: 24 }), fc.nat())
    .map(([c, n]) => `${c.slice(0, 22)}.${n}`),
  fc.stringMatching(/^[A-Za-z0-9_-]{22}\.\d{1,30}$/),
  headerText(60),
);

/** Headers that are absent most of the time, each present now and then with a valid or a hostile value. */
export const optionalHeaders = (headers: Record<string, fc.Arbitrary<string>>) =>
  fc
    .record(
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, fc.option(v, { nil: undefined })])),
    )
    .map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );

export const proofHeader = optionalHeaders({ [PROOF_HEADER]: proof });

export const idempotencyKey = fc.oneof(fc.uuid(), headerText(220));

/** Reserving's headers: the `guest` caller's admission most of the time, a key and a device id now and then. */
export const reservingHeaders = (admissionToken: string) =>
  fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant<string | undefined>(admissionToken) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: headerText(300) },
      ),
      optionalHeaders({ 'idempotency-key': idempotencyKey, [DEVICE_HEADER]: headerText(80) }),
    )
    .map(([token, rest]) => ({ ...(token === undefined ? {} : { 'x-admission-token': token }), ...rest }));
