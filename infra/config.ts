/**
 * The one configuration schema. It is parsed once, at start-up, by the composition roots; every other module gets
 * the values it needs as arguments. A bad or missing value stops the process with one line per bad variable.
 */
import { z } from 'zod';
import { durationSeconds, integer, onOff, origin, url } from './config-values.js';

/**
 * Connections the kernel may queue for the edge before it accepts them. Node's default, 511, overflows when a drop
 * opens: the SYNs past it are dropped and those shoppers retry a second or more later. The kernel caps it at
 * net.core.somaxconn (4096 on current kernels).
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Development and test sign tokens with this; production refuses to start without JWT_SECRET. */
export const DEVELOPMENT_JWT_SECRET = 'dropline-development-secret-do-not-use-in-production';
const DEVELOPMENT_OPERATOR = { email: 'operator@dropline.local', password: 'dropline-operator' };

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: integer(0, 65535).default(3000),
  LISTEN_BACKLOG: integer(1, 65535).default(DEFAULT_LISTEN_BACKLOG),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  NATS_URL: url(['nats:', 'tls:']).default('nats://127.0.0.1:4222'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/dropline'),
  EVENTS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only')
    .default('DROPLINE'),
  EVENTS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'subject tokens separated by dots')
    .default('dropline'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/, 'letters, digits, ":", "_" and "-" only')
    .default('dl:'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL: durationSeconds.default(24 * 3600),
  ADMISSION_WINDOW_SECONDS: integer(10, 86400).default(300),
  OPERATOR_EMAIL: z.email('expected an email address').optional(),
  OPERATOR_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  RATE_LIMITS: onOff.optional(),
  GUEST_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(30),
  JOIN_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(60),
  HOLD_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(30),
  LOGIN_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(20),
  PASSWORD_HASH_CONCURRENCY: integer(1, 64).default(1),
  PASSWORD_HASH_QUEUE: integer(0, 100_000).default(64),
  SCRYPT_N: integer(2 ** 10, 2 ** 20)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
    .default(2 ** 17),
  REQUEST_TIMEOUT: durationSeconds.default(20),
  HOLDERS_PER_ADDRESS: integer(0, 1_000_000).default(4),
  GUEST_CHALLENGE_BITS: integer(0, 28).default(0),
  CHALLENGE_TTL_SECONDS: integer(1, 3600).default(120),
  TRUST_PROXY: integer(0, 10).default(0),
  PUBLIC_ORIGIN: origin.optional(),
  SOCKET_EVENTS_PER_SECOND: integer(1, 10_000).default(10),
  SOCKET_EVENT_BURST: integer(1, 100_000).default(40),
  SOCKET_CONNECTIONS_PER_ADDRESS: integer(1, 1_000_000).default(50),
  BODY_LIMIT_BYTES: integer(1024, 10 * 1024 * 1024).default(64 * 1024),
  IMAGE_MAX_BYTES: integer(1024, 20 * 1024 * 1024).default(2 * 1024 * 1024),
  COOKIE_SECURE: onOff.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_SECONDS: integer(1, 600).default(10),
  RECONNECT_WAIT_MS: integer(50, 60_000).default(1000),
  PAYMENTS: z.enum(['test'], 'expected test (the only payment provider so far)').optional(),
  TEST_PROVIDER_HANG: z.enum(['authorize', 'capture', 'void']).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().trim().min(3).max(320).default('Dropline <receipts@dropline.invalid>'),
  WEBHOOK_ALLOW_HTTP: onOff.optional(),
});

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** The edge's listen backlog (connections waiting to be accepted). */
  listenBacklog: number;
  redisUrl: string;
  natsUrl: string;
  databaseUrl: string;
  redisPrefix: string;
  /** The JetStream stream of events and the subjects' first token(s). */
  events: { stream: string; subjectPrefix: string };
  jwtSecret: string;
  /** True when JWT_SECRET was not given and the development secret is in use. */
  usingDevelopmentSecret: boolean;
  tokenTtlSeconds: number;
  admissionWindowSeconds: number;
  operator: { email: string; password: string } | null;
  /**
   * Per-address limits, on only when `enabled`: guest sessions, joins and holds a minute, and how many accounts
   * may hold units of one drop from one address (`holdersPerAddress`, 0: no cap).
   */
  rateLimits: {
    enabled: boolean;
    guestPerMinute: number;
    joinPerMinute: number;
    holdPerMinute: number;
    holdersPerAddress: number;
    /** Sign-ins, sign-ups and users created, which all run scrypt. */
    passwordPerMinute: number;
  };
  /**
   * Password hashes at once (each on a thread of its own, 128 MiB) and how many may wait; past that, 503. `scryptN`
   * is the cost new hashes get: OWASP's minimum, 2^17, and never less in production; tests run cheaper.
   */
  passwordHashing: { concurrency: number; queue: number; scryptN: number };
  /** How long a client may take to send a whole request (headers: at most 10 s of it). */
  requestTimeoutSeconds: number;
  /** Proof of work: the zero bits a new guest session needs (0: none) and how long a challenge stays good. */
  challenge: { guestBits: number; ttlSeconds: number };
  /** How many proxies in front of the edge append to X-Forwarded-For (0: use the connection's address). */
  trustProxy: number;
  /**
   * The origin the pages are served from: browsers' cookie-authenticated writes and socket handshakes must come
   * from it. Undefined (development and test only) means the address the edge was reached at.
   */
  publicOrigin: string | undefined;
  /**
   * Socket abuse limits: each socket's events (a token bucket: a burst, refilled at a rate per second; past it the
   * socket is disconnected) and, when rate limits are on, the connections one address may hold on one edge.
   */
  sockets: { eventsPerSecond: number; eventBurst: number; connectionsPerAddress: number | undefined };
  bodyLimitBytes: number;
  /** The largest product image accepted, in bytes (its upload may be this much plus the form's own fields). */
  imageMaxBytes: number;
  cookieSecure: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  shutdownTimeoutSeconds: number;
  /**
   * The longest wait between two attempts to reach NATS or Redis again after an outage (every connection retries
   * forever): a service that returns is used again at most this long after.
   */
  reconnectWaitMs: number;
  /** The payment provider: only the test provider exists; production must ask for it by name. */
  payments: 'test';
  /**
   * An operation of the test provider that never answers, for tests that kill a process in the middle of a payment
   * (TEST_PROVIDER_HANG); never in production.
   */
  testProviderHang: 'authorize' | 'capture' | 'void' | undefined;
  /**
   * Receipt mail (SMTP_URL, smtp:// or smtps://, user and password in the URL; MAIL_FROM): null, and no mail is
   * ever attempted, when SMTP_URL is unset.
   */
  mail: { smtpUrl: string; from: string } | null;
  /**
   * Brands' webhooks: `allowLocal` (WEBHOOK_ALLOW_HTTP, on by default outside production, refused in production)
   * lets an endpoint be `http://` to a loopback host and reach internal addresses; without it only `https://` to
   * public addresses.
   */
  webhooks: { allowLocal: boolean };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Rules across variables, checked on the raw input so they are reported along with the others. */
function acrossVariables(
  input: Record<string, string>,
  production: boolean,
  parsed: z.output<typeof schema> | undefined,
): string[] {
  const problems: string[] = [];
  if (production && !input.JWT_SECRET) problems.push('JWT_SECRET: required when NODE_ENV=production');
  if (production && input.JWT_SECRET?.trim() === DEVELOPMENT_JWT_SECRET)
    problems.push('JWT_SECRET: the public development secret; production needs a secret of its own');
  // Production never takes payments with the test provider by default: it must be asked for.
  if (production && !input.PAYMENTS) {
    problems.push('PAYMENTS: required when NODE_ENV=production (set PAYMENTS=test to use the test provider)');
  }
  // Production names the origin its pages are served from: cross-site checks compare against it.
  if (production && !input.PUBLIC_ORIGIN) {
    problems.push('PUBLIC_ORIGIN: required when NODE_ENV=production (the https:// origin of the pages)');
  } else if (production && parsed && !parsed.PUBLIC_ORIGIN?.startsWith('https:')) {
    problems.push('PUBLIC_ORIGIN: must be https:// when NODE_ENV=production');
  }
  if (production && parsed && parsed.SCRYPT_N < 2 ** 17) {
    problems.push('SCRYPT_N: at least 131072 (2^17, OWASP) when NODE_ENV=production');
  }
  if (production && parsed?.WEBHOOK_ALLOW_HTTP) {
    problems.push(
      'WEBHOOK_ALLOW_HTTP: never on when NODE_ENV=production (webhooks go to public https:// only)',
    );
  }
  if (Boolean(input.OPERATOR_EMAIL) !== Boolean(input.OPERATOR_PASSWORD)) {
    problems.push(
      `${input.OPERATOR_EMAIL ? 'OPERATOR_PASSWORD' : 'OPERATOR_EMAIL'}: set both OPERATOR_EMAIL and OPERATOR_PASSWORD, or neither`,
    );
  }
  return problems;
}

/** Reads the configuration from `env` (normally `process.env`); throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable counts as unset, as shells and .env files often leave them.
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const value = input[key];
        const given = value === undefined ? '' : ` (got ${JSON.stringify(redact(key, value))})`;
        return `${key}: ${issue.message}${given}`;
      });
  const production = input.NODE_ENV === 'production';
  problems.push(...acrossVariables(input, production, parsed.success ? parsed.data : undefined));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const v = parsed.data;

  const operator =
    v.OPERATOR_EMAIL && v.OPERATOR_PASSWORD
      ? { email: v.OPERATOR_EMAIL.toLowerCase(), password: v.OPERATOR_PASSWORD }
      : production
        ? null
        : DEVELOPMENT_OPERATOR;

  return {
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    listenBacklog: v.LISTEN_BACKLOG,
    redisUrl: v.REDIS_URL,
    natsUrl: v.NATS_URL,
    databaseUrl: v.DATABASE_URL,
    redisPrefix: v.REDIS_PREFIX,
    events: { stream: v.EVENTS_STREAM, subjectPrefix: v.EVENTS_SUBJECT_PREFIX },
    jwtSecret: v.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    usingDevelopmentSecret: !v.JWT_SECRET,
    tokenTtlSeconds: v.TOKEN_TTL,
    admissionWindowSeconds: v.ADMISSION_WINDOW_SECONDS,
    operator,
    rateLimits: {
      enabled: v.RATE_LIMITS ?? production,
      guestPerMinute: v.GUEST_RATE_LIMIT_PER_MINUTE,
      joinPerMinute: v.JOIN_RATE_LIMIT_PER_MINUTE,
      holdPerMinute: v.HOLD_RATE_LIMIT_PER_MINUTE,
      holdersPerAddress: v.HOLDERS_PER_ADDRESS,
      passwordPerMinute: v.LOGIN_RATE_LIMIT_PER_MINUTE,
    },
    passwordHashing: {
      concurrency: v.PASSWORD_HASH_CONCURRENCY,
      queue: v.PASSWORD_HASH_QUEUE,
      scryptN: v.SCRYPT_N,
    },
    requestTimeoutSeconds: v.REQUEST_TIMEOUT,
    challenge: { guestBits: v.GUEST_CHALLENGE_BITS, ttlSeconds: v.CHALLENGE_TTL_SECONDS },
    trustProxy: v.TRUST_PROXY,
    publicOrigin: v.PUBLIC_ORIGIN,
    sockets: {
      eventsPerSecond: v.SOCKET_EVENTS_PER_SECOND,
      eventBurst: v.SOCKET_EVENT_BURST,
      connectionsPerAddress: (v.RATE_LIMITS ?? production) ? v.SOCKET_CONNECTIONS_PER_ADDRESS : undefined,
    },
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    imageMaxBytes: v.IMAGE_MAX_BYTES,
    cookieSecure: v.COOKIE_SECURE ?? production,
    logLevel: v.LOG_LEVEL,
    shutdownTimeoutSeconds: v.SHUTDOWN_TIMEOUT_SECONDS,
    reconnectWaitMs: v.RECONNECT_WAIT_MS,
    payments: v.PAYMENTS ?? 'test',
    testProviderHang: production ? undefined : v.TEST_PROVIDER_HANG,
    mail: v.SMTP_URL ? { smtpUrl: v.SMTP_URL, from: v.MAIL_FROM } : null,
    webhooks: { allowLocal: !production && (v.WEBHOOK_ALLOW_HTTP ?? true) },
  };
}

function redact(key: string, value: string): string {
  if (/SECRET|PASSWORD/.test(key)) return '***';
  if (key.endsWith('_URL')) return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return value;
}
