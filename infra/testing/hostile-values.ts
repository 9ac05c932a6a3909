/**
 * fast-check arbitraries of what a hostile client sends: strings with NUL, control and bidirectional characters and
 * unpaired surrogates; dates at and past the edges of what PostgreSQL stores; ids that are almost ids; paging cursors
 * of every shape; JSON bodies that mix an endpoint's fields (valid or not) with unknown ones, and text that is not
 * JSON at all. The API's property tests draw their requests and socket payloads from these.
 */
import fc from 'fast-check';

/** Characters that have broken, or could break, a store, a page or a parser. */
const NASTY = [
  ...['\u0000', '\u0007', '\n', '\r', '\t', '\u001b', '\u007f', '\u0085', '\u009f', '\u00a0', '\u00ad'],
  ...['\u061c', '\u200b', '\u200d', '\u200e', '\u202a', '\u202e', '\u2066', '\u2069', '\u2028', '\ufeff'],
  ...['\ud800', '\udfff', '\u{1f469}\u200d\u{1f3a8}', 'é', 'כ', '\u{10ffff}', '\ufffd'],
  ...['%', '%00', '%zz', '\\', '"', "'", '{drop:x}', '*', '?', '#', '&', '=', '../', '<script>', '${x}'],
];

/** Strings of any code point, leaning on the nasty ones; sometimes past every length limit. */
export const hostileString = (maxLength = 24): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.string({
        maxLength,
        unit: fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
      }),
    },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'NaN', '0', '-1', '1e309', 'true', '[]', '{}') },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 6000 }).map((n) => 'x'.repeat(n)) },
  );

/** Numbers at the edges of JSON, JavaScript and PostgreSQL's integer types (NaN and ±Infinity encode as null). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, 5e-324, 0.5, 1.5, 100_000_001),
);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Dates and times as a client writes them: every part anywhere in (and just past) its range, any offset. */
const isoParts = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1969, 1970, 9999)),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\.\d{1,9}$/), { nil: '' }),
    offset: fc.oneof(
      fc.constant('Z'),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 59 }))
        .map(([sign, h, m]) => `${sign}${pad(h)}:${pad(m)}`),
    ),
  })
  .map(
    (p) =>
      `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
      `${p.fraction}${p.offset}`,
  );

/** Any ISO-8601-looking date, past or future, valid or not; and well-formed ones an hour or more ahead. */
export const hostileDate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '9999-12-31T23:59:59-14:00',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00Z',
    '1970-01-01T00:00:00+14:00',
    '1969-12-31T23:59:59.999Z',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2030-01-01',
    '2030-01-01T00:00:00',
    'tomorrow',
  ),
  isoParts,
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
  futureDate(),
);

/** A well-formed date an hour to seventy years ahead: valid wherever a future time is asked for. */
export function futureDate(): fc.Arbitrary<string> {
  const from = Date.now() + 3_600_000;
  return fc.integer({ min: from, max: from + 70 * 365 * 86_400_000 }).map((ms) => new Date(ms).toISOString());
}

/** Any JSON value a field could be given: strings, numbers, dates, booleans, null, arrays and objects. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString() },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 2, arbitrary: hostileDate },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** Percent-encodes every byte of the string's UTF-8 (an unpaired surrogate becomes U+FFFD, as a browser sends it). */
export const percentEncoded = (value: string) =>
  Array.from(Buffer.from(value, 'utf8'), (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/**
 * A path segment that names `usual` most of the time, one of `others` or almost an id at times, or names nothing;
 * ready to put in a URL.
 */
export function hostileId(usual: string, others: readonly string[] = []): fc.Arbitrary<string> {
  const real = [usual, ...others];
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(usual) },
    { weight: 2, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => `${id.slice(0, -1)}%00`) },
    { weight: 2, arbitrary: fc.uuid({ version: [4, 7] }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        `rsv_${'A'.repeat(43)}`,
        `rsv_${'_'.repeat(43)}`,
        'abc',
        '1',
        '%00',
        '%E0%A4%A',
        '%',
        '..',
        '%2e%2e',
        '%2F',
        '%20',
        'null',
      ),
    },
    { weight: 3, arbitrary: hostileString(60).map(percentEncoded) },
  );
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'undefined').toString('base64url');

/** Paging cursors: tuples of hostile members (a real id among them), other JSON, base64 of anything, non-base64. */
export function hostileCursor(realIds: readonly string[]): fc.Arbitrary<string> {
  const member = fc.oneof(
    hostileDate,
    fc.constantFrom(...realIds),
    fc.uuid(),
    hostileString(),
    hostileNumber,
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(member, member).map(base64url) },
    { weight: 1, arbitrary: fc.array(member, { maxLength: 3 }).map(base64url) },
    { weight: 1, arbitrary: hostileValue.map(base64url) },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 80 }) },
    { weight: 1, arbitrary: hostileString(600) },
  );
}

/** A query string (with its `?`, or empty) from the endpoint's parameters, often with unknown or repeated ones. */
export function hostileQuery(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const pair = (key: string, value: string) => `${percentEncoded(key)}=${percentEncoded(value)}`;
  const knownPairs = fc
    .record(known, { requiredKeys: [] })
    .map((q) => Object.entries(q).map(([k, v]) => pair(k, String(v))));
  const unknownPairs = fc.array(
    fc.tuple(hostileString(8), hostileString()).map(([k, v]) => pair(k, v)),
    { maxLength: 2 },
  );
  return fc
    .oneof(
      { weight: 6, arbitrary: fc.tuple(knownPairs, unknownPairs).map(([a, b]) => [...a, ...b]) },
      {
        weight: 1,
        arbitrary: fc.array(fc.constantFrom('%', '&', '=', '%00=%00', 'a', 'a=1', 'a=2'), { maxLength: 4 }),
      },
    )
    .map((pairs) => (pairs.length > 0 ? `?${pairs.join('&')}` : ''));
}

type Mutation =
  | { kind: 'hostile'; at: number; value: unknown }
  | { kind: 'drop'; at: number }
  | { kind: 'add'; name: string; value: unknown };

/** One change to a valid body: a field given a hostile value, a field left out, or an unknown field added. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('hostile' as const), at: fc.nat(), value: hostileValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('add' as const), name: hostileString(12), value: hostileValue }),
  },
);

function mutate(body: Record<string, unknown>, changes: readonly Mutation[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  const names = Object.keys(body);
  for (const change of changes) {
    if (change.kind === 'add') out[change.name] = change.value;
    else if (names.length === 0) continue;
    else if (change.kind === 'drop') delete out[names[change.at % names.length]!];
    else out[names[change.at % names.length]!] = change.value;
  }
  return out;
}

/**
 * A request body as sent: the endpoint's fields, all valid, with none, one or a few of them changed (given a hostile
 * value, left out, or joined by an unknown field); or any other JSON; or text that is not JSON; or nothing.
 */
export function hostileBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string | undefined> {
  const object = fc
    .tuple(fc.record(fields), fc.array(mutation, { maxLength: 3 }))
    .map(([valid, changes]) => JSON.stringify(mutate(valid, changes)));
  return fc.oneof(
    { weight: 8, arbitrary: object },
    { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        '',
        '{',
        '{"a":',
        'nul',
        '\u0000',
        '{"title":"a","title":1}',
        '{"__proto__":{"admin":true}}',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
      ),
    },
  );
}
