import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect } from 'vitest';
import { countOf, test } from '../../infra/testing/index.js';

const password = 'correct horse battery';

describe('identity', () => {
  test('signup returns a token and a shopper, stores a scrypt hash, and refuses a taken email', async ({
    api,
    config,
    dropline,
  }) => {
    const email = `Ada-${Date.now()}@Example.com`;
    const first = await api.post('/api/auth/signup', { body: { email, password } });
    expect(first.status).toBe(201);
    expect(first.body.user).toMatchObject({ email: email.toLowerCase(), role: 'shopper', guest: false });
    expect(typeof first.body.token).toBe('string');
    const [row] = await dropline.sql`SELECT password_hash FROM users WHERE email = ${email.toLowerCase()}`;
    // At the configured cost (2^17 in production, cheaper in tests), r = 8, p = 1.
    expect(row?.password_hash).toMatch(new RegExp(`^scrypt\\$${config.passwordHashing.scryptN}\\$8\\$1\\$`));

    const again = await api.post('/api/auth/signup', { body: { email: email.toLowerCase(), password } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    expect(again.headers.get('content-type')).toBe('application/problem+json');
  });

  test('signup validates each field and writes nothing', async ({ api, dropline }) => {
    const before = await countOf(dropline.sql`SELECT count(*)::int AS count FROM users`);
    const r = await api.post('/api/auth/signup', {
      body: { email: 'not-an-email', password: 'short', extra: 1 },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'email',
      'extra',
      'password',
    ]);
    for (const body of ['{"email":', '[]', 'null', '"text"', JSON.stringify({ email: 5, password: ['x'] })]) {
      const bad = await api.post('/api/auth/signup', { body });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    }
    const after = await countOf(dropline.sql`SELECT count(*)::int AS count FROM users`);
    expect(after).toBe(before);
  });

  test('login succeeds with the right password only, and sets an httpOnly session cookie', async ({
    api,
  }) => {
    const email = `grace-${Date.now()}@example.com`;
    await api.post('/api/auth/signup', { body: { email, password } });
    const ok = await api.post('/api/auth/login', { body: { email, password } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^dropline_session=[\w.-]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const wrong = await api.post('/api/auth/login', { body: { email, password: 'wrong password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('unauthorized');
    const unknown = await api.post('/api/auth/login', { body: { email: 'nobody@example.com', password } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  test('me answers from a Bearer token or the cookie; logout clears the cookie', async ({ api }) => {
    const shopper = await api.shopper();
    const viaBearer = await api.get('/api/auth/me', { token: shopper.token });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.user).toMatchObject({ id: shopper.user.id, role: 'shopper' });

    const viaCookie = await api.get('/api/auth/me', {
      headers: { cookie: `dropline_session=${shopper.token}` },
    });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.user.id).toBe(shopper.user.id);

    const out = await api.post('/api/auth/logout', {
      headers: { cookie: `dropline_session=${shopper.token}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^dropline_session=;.*Max-Age=0/);

    expect((await api.get('/api/auth/me')).status).toBe(401);
  });

  test('a guest is a signed shopper identity that writes nothing to PostgreSQL', async ({
    api,
    dropline,
  }) => {
    const before = await countOf(dropline.sql`SELECT count(*)::int AS count FROM users`);
    const guests = await Promise.all(Array.from({ length: 20 }, () => api.post('/api/auth/guest')));
    for (const g of guests) {
      expect(g.status).toBe(201);
      expect(g.body.user).toMatchObject({ role: 'shopper', guest: true, email: null });
    }
    expect(new Set(guests.map((g) => g.body.user.id)).size).toBe(20);
    const me = await api.get('/api/auth/me', { token: guests[0]!.body.token });
    expect(me.body.user).toMatchObject({ id: guests[0]!.body.user.id, guest: true });
    const after = await countOf(dropline.sql`SELECT count(*)::int AS count FROM users`);
    expect(after).toBe(before);
  });

  test('forged, expired, unsigned, foreign and non-session tokens are refused with 401', async ({
    api,
    config,
  }) => {
    const shopper = await api.shopper();
    const key = new TextEncoder().encode(config.jwtSecret);
    const claims = { typ: 'session', role: 'operator', email: null, brandId: null, guest: false };
    const sign = (payload: Record<string, unknown>, secret = key) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(shopper.user.id)
        .setIssuer('dropline')
        .setAudience('dropline')
        .setExpirationTime('1h')
        .sign(secret);
    const [header, payload] = shopper.token.split('.');
    const tampered = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    tampered.role = 'operator';

    const bad = {
      forged: await sign(claims, new TextEncoder().encode('another secret that is long enough!!')),
      tampered: `${header}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${shopper.token.split('.')[2]}`,
      expired: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(shopper.user.id)
        .setIssuer('dropline')
        .setAudience('dropline')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key),
      algNone: new UnsecuredJWT(claims)
        .setSubject(shopper.user.id)
        .setIssuer('dropline')
        .setAudience('dropline')
        .setExpirationTime('1h')
        .encode(),
      wrongAudience: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(shopper.user.id)
        .setIssuer('dropline')
        .setAudience('elsewhere')
        .setExpirationTime('1h')
        .sign(key),
      admissionType: await sign({ ...claims, typ: 'admission', drop: shopper.user.id }),
      garbage: 'not.a.jwt',
    };
    for (const [kind, token] of Object.entries(bad)) {
      const r = await api.get('/api/auth/me', { token });
      expect({ kind, status: r.status, code: r.body.code }).toEqual({
        kind,
        status: 401,
        code: 'unauthorized',
      });
      // Nor may it act as the operator it claims to be.
      const create = await api.post('/api/admin/users', {
        token,
        body: { email: 'x@example.com', password, role: 'operator' },
      });
      expect(create.status).toBe(401);
    }
    expect((await api.get('/api/auth/me', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  test('an operator creates brand and operator users; a brand user gets its own brand', async ({
    api,
    dropline,
  }) => {
    const operator = await api.operator();
    const brand = await api.post('/api/admin/users', {
      token: operator.token,
      body: { email: `studio-${Date.now()}@example.com`, password, role: 'brand', brandName: 'Studio Nord' },
    });
    expect(brand.status).toBe(201);
    expect(brand.body.user).toMatchObject({ role: 'brand' });
    const [row] =
      await dropline.sql`SELECT b.name FROM users u JOIN brands b ON b.id = u.brand_id WHERE u.id = ${brand.body.user.id}`;
    expect(row?.name).toBe('Studio Nord');

    const op = await api.post('/api/admin/users', {
      token: operator.token,
      body: { email: `ops-${Date.now()}@example.com`, password, role: 'operator' },
    });
    expect(op.status).toBe(201);

    const noBrandName = await api.post('/api/admin/users', {
      token: operator.token,
      body: { email: `b-${Date.now()}@example.com`, password, role: 'brand' },
    });
    expect(noBrandName.status).toBe(400);
    expect(noBrandName.body.errors).toEqual([{ field: 'brandName', message: 'required for a brand user' }]);
    const badRole = await api.post('/api/admin/users', {
      token: operator.token,
      body: { email: `r-${Date.now()}@example.com`, password, role: 'admin' },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.errors[0].field).toBe('role');
    // A brand's name is shown on every drop page: no bidi override or control character is stored.
    const email = `bidi-${Date.now()}@example.com`;
    const bidi = await api.post('/api/admin/users', {
      token: operator.token,
      body: { email, password, role: 'brand', brandName: 'Studio \u202eNord' },
    });
    expect(bidi.status).toBe(400);
    expect(bidi.body.errors[0].field).toBe('brandName');
    expect(await dropline.sql`SELECT 1 FROM users WHERE email = ${email}`).toHaveLength(0);
  });

  test('only operators create users', async ({ api }) => {
    const operator = await api.operator();
    const shopper = await api.shopper();
    const brand = await api.brand(operator.token);
    const body = { email: `x-${Date.now()}@example.com`, password, role: 'operator' };
    expect((await api.post('/api/admin/users', { body })).status).toBe(401);
    expect((await api.post('/api/admin/users', { token: shopper.token, body })).body.code).toBe('forbidden');
    expect((await api.post('/api/admin/users', { token: brand.token, body })).status).toBe(403);
  });

  test('the first operator comes from the configuration, once', async ({ dropline, config }) => {
    const rows = await dropline.sql`SELECT role FROM users WHERE email = ${config.operator!.email}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.role).toBe('operator');
  });
});
