import { describe, expect, test } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from './config.js';

const ORIGIN = 'https://shop.example.com';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  test('development works with no variables at all, with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      listenBacklog: 4096,
      redisUrl: 'redis://127.0.0.1:6379',
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/dropline',
      jwtSecret: DEVELOPMENT_JWT_SECRET,
      usingDevelopmentSecret: true,
      tokenTtlSeconds: 86_400,
      admissionWindowSeconds: 300,
      operator: { email: 'operator@dropline.local', password: 'dropline-operator' },
      rateLimits: { enabled: false, guestPerMinute: 30 },
      cookieSecure: false,
    });
  });

  test('values are coerced: durations, integers, on/off', () => {
    expect(loadConfig({ TOKEN_TTL: '15m' }).tokenTtlSeconds).toBe(900);
    expect(loadConfig({ TOKEN_TTL: '7d' }).tokenTtlSeconds).toBe(604_800);
    expect(loadConfig({ TOKEN_TTL: '90' }).tokenTtlSeconds).toBe(90);
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    expect(loadConfig({ LISTEN_BACKLOG: '1024' }).listenBacklog).toBe(1024);
    expect(loadConfig({ RATE_LIMITS: 'on' }).rateLimits.enabled).toBe(true);
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  test('production needs JWT_SECRET, turns rate limits and secure cookies on, and has no default operator', () => {
    expect(problemsOf({ NODE_ENV: 'production', PAYMENTS: 'test', PUBLIC_ORIGIN: ORIGIN })).toEqual([
      'JWT_SECRET: required when NODE_ENV=production',
    ]);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      PAYMENTS: 'test',
      PUBLIC_ORIGIN: ORIGIN,
    });
    expect(config.rateLimits.enabled).toBe(true);
    expect(config.cookieSecure).toBe(true);
    expect(config.operator).toBeNull();
    expect(config.usingDevelopmentSecret).toBe(false);
  });

  test('every bad variable is named on a line of its own, secrets redacted', () => {
    expect(
      problemsOf({
        PORT: '70000',
        LISTEN_BACKLOG: 'lots',
        REDIS_URL: 'http://localhost',
        TOKEN_TTL: 'soon',
        JWT_SECRET: 'short',
        NODE_ENV: 'staging',
        OPERATOR_EMAIL: 'ops@example.com',
      }),
    ).toEqual([
      expect.stringMatching(/^NODE_ENV: .*"staging"/),
      expect.stringMatching(/^PORT: .*\(got "70000"\)$/),
      expect.stringMatching(/^LISTEN_BACKLOG: expected an integer from 1 to 65535/),
      expect.stringMatching(/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/),
      'JWT_SECRET: must be at least 32 characters (got "***")',
      expect.stringMatching(/^TOKEN_TTL: expected a duration/),
      'OPERATOR_PASSWORD: set both OPERATOR_EMAIL and OPERATOR_PASSWORD, or neither',
    ]);
  });

  test('payments: test by default outside production; production refuses to start unless PAYMENTS=test is set', () => {
    expect(loadConfig({}).payments).toBe('test');
    expect(loadConfig({ NODE_ENV: 'test' }).payments).toBe('test');
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PUBLIC_ORIGIN: ORIGIN })).toEqual(
      ['PAYMENTS: required when NODE_ENV=production (set PAYMENTS=test to use the test provider)'],
    );
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET: required when NODE_ENV=production',
      'PAYMENTS: required when NODE_ENV=production (set PAYMENTS=test to use the test provider)',
      'PUBLIC_ORIGIN: required when NODE_ENV=production (the https:// origin of the pages)',
    ]);
    expect(problemsOf({ PAYMENTS: 'stripe' })).toEqual([
      expect.stringMatching(/^PAYMENTS: expected test .*\(got "stripe"\)$/),
    ]);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        PAYMENTS: 'test',
        PUBLIC_ORIGIN: ORIGIN,
      }).payments,
    ).toBe('test');
  });

  test('the test provider hangs an operation only where it is asked to, never in production', () => {
    expect(loadConfig({ TEST_PROVIDER_HANG: 'capture' }).testProviderHang).toBe('capture');
    expect(loadConfig({}).testProviderHang).toBeUndefined();
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      PAYMENTS: 'test',
      PUBLIC_ORIGIN: ORIGIN,
    };
    expect(loadConfig({ ...production, TEST_PROVIDER_HANG: 'capture' }).testProviderHang).toBeUndefined();
    expect(problemsOf({ TEST_PROVIDER_HANG: 'forever' })).toEqual([
      expect.stringMatching(/^TEST_PROVIDER_HANG: /),
    ]);
  });

  test('receipt mail: none without SMTP_URL; an smtp:// or smtps:// URL, its password hidden in a problem', () => {
    expect(loadConfig({}).mail).toBeNull();
    expect(loadConfig({ SMTP_URL: 'smtp://mailer:secret@127.0.0.1:2525' }).mail).toEqual({
      smtpUrl: 'smtp://mailer:secret@127.0.0.1:2525',
      from: 'Dropline <receipts@dropline.invalid>',
    });
    expect(
      loadConfig({ SMTP_URL: 'smtps://mail.example.com', MAIL_FROM: 'Shop <r@example.com>' }).mail,
    ).toEqual({
      smtpUrl: 'smtps://mail.example.com',
      from: 'Shop <r@example.com>',
    });
    expect(problemsOf({ SMTP_URL: 'http://user:secret@mail.example.com' })).toEqual([
      'SMTP_URL: expected a smtp:// or smtps:// URL (got "http://user:***@mail.example.com")',
    ]);
  });

  test('PUBLIC_ORIGIN: an origin only, https in production; socket limits, the per-address cap with rate limits', () => {
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://Shop.example.com:443/' }).publicOrigin).toBe(ORIGIN);
    expect(loadConfig({}).publicOrigin).toBeUndefined();
    expect(problemsOf({ PUBLIC_ORIGIN: 'https://shop.example.com/path' })).toEqual([
      expect.stringMatching(/^PUBLIC_ORIGIN: expected an http:\/\/ or https:\/\/ origin/),
    ]);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PAYMENTS: 'test' };
    expect(problemsOf({ ...production, PUBLIC_ORIGIN: 'http://shop.example.com' })).toEqual([
      'PUBLIC_ORIGIN: must be https:// when NODE_ENV=production',
    ]);
    expect(loadConfig({}).sockets).toEqual({
      eventsPerSecond: 10,
      eventBurst: 40,
      connectionsPerAddress: undefined,
    });
    expect(
      loadConfig({ RATE_LIMITS: 'on', SOCKET_CONNECTIONS_PER_ADDRESS: '5' }).sockets.connectionsPerAddress,
    ).toBe(5);
    expect(loadConfig({ ...production, PUBLIC_ORIGIN: ORIGIN }).sockets.connectionsPerAddress).toBe(50);
  });

  test('production refuses the public development JWT secret given as JWT_SECRET', () => {
    const production = { NODE_ENV: 'production', PAYMENTS: 'test', PUBLIC_ORIGIN: ORIGIN };
    for (const secret of [DEVELOPMENT_JWT_SECRET, ` ${DEVELOPMENT_JWT_SECRET} `])
      expect(problemsOf({ ...production, JWT_SECRET: secret })).toEqual([
        'JWT_SECRET: the public development secret; production needs a secret of its own',
      ]);
    // Development may name it.
    expect(loadConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  });

  test('sign-in limits, password hashing and the request timeout have defaults and bounds', () => {
    const config = loadConfig({});
    expect(config.rateLimits.passwordPerMinute).toBe(20);
    expect(config.passwordHashing).toEqual({ concurrency: 1, queue: 64, scryptN: 2 ** 17 });
    expect(config.requestTimeoutSeconds).toBe(20);
    expect(loadConfig({ REQUEST_TIMEOUT: '1m' }).requestTimeoutSeconds).toBe(60);
    expect(problemsOf({ PASSWORD_HASH_CONCURRENCY: '0', LOGIN_RATE_LIMIT_PER_MINUTE: 'many' })).toHaveLength(
      2,
    );
  });

  test('a password inside a URL is not echoed', () => {
    const [line] = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(line).toContain('user:***@');
    expect(line).not.toContain('hunter2');
  });

  test('webhooks: http to loopback allowed by default outside production; never in production', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowLocal: true });
    expect(loadConfig({ WEBHOOK_ALLOW_HTTP: 'off' }).webhooks).toEqual({ allowLocal: false });
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      PAYMENTS: 'test',
      PUBLIC_ORIGIN: ORIGIN,
    };
    expect(loadConfig(production).webhooks).toEqual({ allowLocal: false });
    expect(problemsOf({ ...production, WEBHOOK_ALLOW_HTTP: 'on' })).toEqual([
      'WEBHOOK_ALLOW_HTTP: never on when NODE_ENV=production (webhooks go to public https:// only)',
    ]);
  });

  test('SCRYPT_N: a power of two, 2^17 by default; cheaper only outside production', () => {
    expect(loadConfig({ SCRYPT_N: '1024' }).passwordHashing.scryptN).toBe(1024);
    expect(problemsOf({ SCRYPT_N: '3000' })).toEqual(['SCRYPT_N: must be a power of two (got "3000")']);
    expect(problemsOf({ SCRYPT_N: '512' })).toHaveLength(1);
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      PAYMENTS: 'test',
      PUBLIC_ORIGIN: ORIGIN,
    };
    expect(loadConfig({ ...production, SCRYPT_N: String(2 ** 18) }).passwordHashing.scryptN).toBe(2 ** 18);
    expect(problemsOf({ ...production, SCRYPT_N: '16384' })).toEqual([
      'SCRYPT_N: at least 131072 (2^17, OWASP) when NODE_ENV=production',
    ]);
  });
});
