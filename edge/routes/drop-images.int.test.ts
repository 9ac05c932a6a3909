import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import {
  type Api,
  type ApiResponse,
  countOf,
  type Dropline,
  expectProblem,
  FOREIGN_ORIGIN,
  test,
  testImages,
  type TestImage,
} from '../../infra/testing/index.js';
import type { DropJson } from './drops.js';

const MiB = 1024 * 1024;

interface Upload {
  bytes: Uint8Array;
  /** The file name and declared type the form gives: never what decides the image's type. */
  name?: string;
  type?: string;
  alt?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** The request a page's form makes: multipart/form-data with `file` and `alt`. */
async function upload(dropline: Dropline, dropId: string, u: Upload): Promise<ApiResponse> {
  const form = new FormData();
  form.append('file', new Blob([u.bytes], { type: u.type ?? 'application/octet-stream' }), u.name ?? 'photo');
  if (u.alt !== undefined) form.append('alt', u.alt);
  const res = await dropline.app!.request(`/api/drops/${dropId}/images`, {
    method: 'POST',
    body: form,
    headers: { ...(u.token ? { authorization: `Bearer ${u.token}` } : {}), ...u.headers },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

const imagesOf = (dropline: Dropline, dropId: string) =>
  countOf(dropline.sql`SELECT count(*)::int AS count FROM drop_images WHERE drop_id = ${dropId}`);

async function scheduledDrop(api: Api) {
  return api.openDrop({}, { open: false });
}

const uploadOk = async (dropline: Dropline, dropId: string, token: string, image: TestImage, alt: string) => {
  const r = await upload(dropline, dropId, {
    bytes: image.bytes,
    name: `x.${image.extension}`,
    type: image.contentType,
    alt,
    token,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as DropJson['images'][number];
};

describe('uploading images', () => {
  test('each type is taken by its content, sized from its header and served as stored', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    for (const [name, image] of Object.entries(testImages)) {
      const r = await upload(dropline, drop.id, {
        bytes: image.bytes,
        name: `${name}.${image.extension}`,
        type: image.contentType,
        alt: `The ${name} image`,
        token: brand.token,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toEqual({
        id: expect.any(String),
        url: expect.stringMatching(new RegExp(`^/media/[0-9a-f]{64}\\.${image.extension}$`)),
        alt: `The ${name} image`,
        width: image.width,
        height: image.height,
      });
      const served = await dropline.app!.request(r.body.url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(image.contentType);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(image.bytes))).toBe(true);
    }
    expect(await imagesOf(dropline, drop.id)).toBe(5);
  });

  test('a PNG named .jpg and declared image/jpeg is a PNG', async ({ api, dropline }) => {
    const { brand, drop } = await scheduledDrop(api);
    const r = await upload(dropline, drop.id, {
      bytes: testImages.png.bytes,
      name: 'photo.jpg',
      type: 'image/jpeg',
      alt: 'A chair',
      token: brand.token,
    });
    expect(r.status).toBe(201);
    expect(r.body.url).toMatch(/\.png$/);
    const served = await dropline.app!.request(r.body.url);
    expect(served.headers.get('content-type')).toBe('image/png');
  });

  test('a text file named .png and declared image/png is refused and nothing is stored', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    const fakes = [
      new TextEncoder().encode('not an image at all, whatever my name says'),
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      // A PNG's signature with nothing after it.
      testImages.png.bytes.subarray(0, 12),
    ];
    for (const bytes of fakes) {
      const r = await upload(dropline, drop.id, {
        bytes,
        name: 'photo.png',
        type: 'image/png',
        alt: 'A chair',
        token: brand.token,
      });
      expectProblem(r, 415, 'unsupported_image');
    }
    expect(await imagesOf(dropline, drop.id)).toBe(0);
  });

  test('an image over IMAGE_MAX_BYTES is 413 and nothing is stored; the JSON routes keep their own limit', async ({
    api,
    config,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    expect(config.imageMaxBytes).toBe(2 * MiB);
    // A real PNG header followed by padding: one byte too many for the image limit, within the form's allowance.
    const justOver = new Uint8Array(config.imageMaxBytes + 1);
    justOver.set(testImages.png.bytes);
    const over = await upload(dropline, drop.id, { bytes: justOver, alt: 'Big', token: brand.token });
    expectProblem(over, 413, 'payload_too_large');
    // Far past the upload route's body limit: refused before it is read.
    const far = new Uint8Array(3 * MiB);
    far.set(testImages.png.bytes);
    expectProblem(
      await upload(dropline, drop.id, { bytes: far, alt: 'Big', token: brand.token }),
      413,
      'payload_too_large',
    );
    expect(await imagesOf(dropline, drop.id)).toBe(0);
    // The larger limit is the upload route's alone.
    const patch = await api.patch(`/api/drops/${drop.id}`, {
      token: brand.token,
      body: { description: 'x'.repeat(config.bodyLimitBytes + 1) },
    });
    expectProblem(patch, 413, 'payload_too_large');
  });

  test('the form needs a file and an alt text of 1 to 300 characters on one line', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    const bytes = testImages.png.bytes;
    for (const alt of [undefined, '', '   ', 'a'.repeat(301), 'two\nlines']) {
      const r = await upload(dropline, drop.id, { bytes, alt, token: brand.token });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain('alt');
    }
    const noFile = await api.post(`/api/drops/${drop.id}/images`, {
      token: brand.token,
      body: { alt: 'A chair' },
    });
    expectProblem(noFile, 415, 'unsupported_media_type');
    expect(await imagesOf(dropline, drop.id)).toBe(0);
  });

  test('a drop has six images at most, even when ten uploads race', async ({ api, dropline }) => {
    const { brand, drop } = await scheduledDrop(api);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        upload(dropline, drop.id, { bytes: testImages.png.bytes, alt: `Image ${i}`, token: brand.token }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(6);
    for (const r of answers.filter((a) => a.status !== 201)) expectProblem(r, 409, 'limit_reached');
    const positions = await dropline.sql<{ position: number }[]>`
      SELECT position FROM drop_images WHERE drop_id = ${drop.id} ORDER BY position`;
    expect(positions.map((p) => p.position)).toEqual([0, 1, 2, 3, 4, 5]);
    const seventh = await upload(dropline, drop.id, {
      bytes: testImages.jpeg.bytes,
      alt: 'Seventh',
      token: brand.token,
    });
    expectProblem(seventh, 409, 'limit_reached');
    expect(await imagesOf(dropline, drop.id)).toBe(6);
  });
});

describe('who may change a drop’s images', () => {
  test('another brand, a partner brand, a shopper and nobody may not; an operator may', async ({
    api,
    dropline,
  }) => {
    const { operator, brand, drop } = await scheduledDrop(api);
    const other = await api.brand(operator.token, 'Other');
    const shopper = await api.shopper();
    const bytes = testImages.png.bytes;
    expectProblem(await upload(dropline, drop.id, { bytes, alt: 'x', token: other.token }), 403, 'forbidden');
    expectProblem(
      await upload(dropline, drop.id, { bytes, alt: 'x', token: shopper.token }),
      403,
      'forbidden',
    );
    expectProblem(await upload(dropline, drop.id, { bytes, alt: 'x' }), 401, 'unauthorized');

    const mine = await uploadOk(dropline, drop.id, brand.token, testImages.png, 'Mine');
    for (const token of [other.token, shopper.token]) {
      const path = `/api/drops/${drop.id}/images/${mine.id}`;
      expectProblem(await api.patch(path, { token, body: { alt: 'Theirs' } }), 403, 'forbidden');
      expectProblem(await api.delete(path, { token }), 403, 'forbidden');
    }
    await uploadOk(dropline, drop.id, operator.token, testImages.jpeg, 'From an operator');
    expect(await imagesOf(dropline, drop.id)).toBe(2);
  });

  test('a partner brand of a collaboration reads the images but changes none', async ({ api, dropline }) => {
    const operator = await api.operator();
    const lead = await api.brand(operator.token, 'Lead');
    const partner = await api.brand(operator.token, 'Partner');
    const created = await api.post('/api/drops', {
      token: lead.token,
      body: {
        title: 'Together',
        sku: 'TG-1',
        priceCents: 1000,
        stock: 5,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        brands: [
          { brandId: lead.user.brandId, sharePercent: 60 },
          { brandId: partner.user.brandId, sharePercent: 40 },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const drop = created.body as DropJson;
    const bytes = testImages.png.bytes;
    expectProblem(
      await upload(dropline, drop.id, { bytes, alt: 'x', token: partner.token }),
      403,
      'forbidden',
    );
    const image = await uploadOk(dropline, drop.id, lead.token, testImages.png, 'Lead’s');
    const path = `/api/drops/${drop.id}/images/${image.id}`;
    expectProblem(await api.patch(path, { token: partner.token, body: { alt: 'x' } }), 403, 'forbidden');
    expectProblem(await api.delete(path, { token: partner.token }), 403, 'forbidden');
    expect((await api.get(`/api/drops/${drop.id}`, { token: partner.token })).body.images).toEqual([image]);
  });

  test('a cookie-signed upload from our own page works; from another site it is refused', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    const cookie = { cookie: `dropline_session=${brand.token}` };
    const send = (headers: Record<string, string>) =>
      upload(dropline, drop.id, {
        bytes: testImages.png.bytes,
        alt: 'A chair',
        headers: { ...cookie, ...headers },
      });

    const foreign: Record<string, string>[] = [
      { origin: FOREIGN_ORIGIN, 'sec-fetch-site': 'cross-site' },
      { origin: FOREIGN_ORIGIN },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://shop.evil.example', 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      expectProblem(await send(headers), 403, 'cross_site');
    }
    // Neither header: nothing shows the form is ours, so the multipart body is not taken.
    expectProblem(await send({}), 415, 'unsupported_media_type');
    expect(await imagesOf(dropline, drop.id)).toBe(0);

    expect((await send({ 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await send({ origin: 'http://localhost' })).status).toBe(201);
    expect(await imagesOf(dropline, drop.id)).toBe(2);

    // Every other route still takes JSON only from a cookie-signed page.
    const form = new FormData();
    form.append('title', 'Renamed');
    const patch = await dropline.app!.request(`/api/drops/${drop.id}`, {
      method: 'PATCH',
      body: form,
      headers: { ...cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(patch.status).toBe(415);
  });
});

describe('a drop’s images in its JSON, in order', () => {
  test('listed in order on the drop and on the list, moved, renamed and removed', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    const token = brand.token;
    const first = await uploadOk(dropline, drop.id, token, testImages.png, 'Front');
    const second = await uploadOk(dropline, drop.id, token, testImages.jpeg, 'Back');
    const third = await uploadOk(dropline, drop.id, token, testImages.webpLossy, 'Side');
    const read = async () => (await api.get(`/api/drops/${drop.id}`)).body.images as DropJson['images'];
    expect(await read()).toEqual([first, second, third]);
    const listed = (await api.get('/api/drops?limit=200')).body.drops as DropJson[];
    expect(listed.find((d) => d.id === drop.id)?.images).toEqual([first, second, third]);

    const path = (id: string) => `/api/drops/${drop.id}/images/${id}`;
    const lead = await api.patch(path(third.id), { token, body: { position: 0 } });
    expect(lead.status).toBe(200);
    expect(await read()).toEqual([third, first, second]);
    const renamed = await api.patch(path(first.id), { token, body: { alt: 'The front', position: 2 } });
    expect(renamed.body).toEqual({ ...first, alt: 'The front' });
    expect(await read()).toEqual([third, second, { ...first, alt: 'The front' }]);

    expectProblem(
      await api.patch(path(first.id), { token, body: { position: 3 } }),
      400,
      'validation_failed',
    );
    expectProblem(await api.patch(path(first.id), { token, body: { alt: '' } }), 400, 'validation_failed');
    expectProblem(await api.patch(path(randomUUID()), { token, body: { alt: 'x' } }), 404, 'not_found');
    expect(await read()).toEqual([third, second, { ...first, alt: 'The front' }]);

    expect((await api.delete(path(third.id), { token })).status).toBe(204);
    expectProblem(await api.delete(path(third.id), { token }), 404, 'not_found');
    expect(await read()).toEqual([second, { ...first, alt: 'The front' }]);
    const positions = await dropline.sql<{ position: number }[]>`
      SELECT position FROM drop_images WHERE drop_id = ${drop.id} ORDER BY position`;
    expect(positions.map((p) => p.position)).toEqual([0, 1]);

    // An image of another drop is not this drop's.
    const { brand: otherBrand, drop: otherDrop } = await scheduledDrop(api);
    const theirs = await uploadOk(dropline, otherDrop.id, otherBrand.token, testImages.png, 'Theirs');
    expectProblem(await api.delete(path(theirs.id), { token }), 404, 'not_found');
  });
});

describe('GET /media/:file', () => {
  test('the bytes with their type, a year of immutable caching, the hash as ETag, and 304', async ({
    api,
    dropline,
  }) => {
    const { brand, drop } = await scheduledDrop(api);
    // Bytes of this test alone (a JPEG with a trailer after its end marker): the same bytes elsewhere in this
    // database would keep them served after this drop's image is removed.
    const jpeg = { ...testImages.jpeg, bytes: new Uint8Array([...testImages.jpeg.bytes, ...randomBytes(8)]) };
    const image = await uploadOk(dropline, drop.id, brand.token, jpeg, 'A chair');
    const sha = /^\/media\/([0-9a-f]{64})\.jpg$/.exec(image.url)![1]!;
    const r = await dropline.app!.request(image.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('etag')).toBe(`"${sha}"`);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(jpeg.bytes))).toBe(true);

    for (const tag of [`"${sha}"`, `W/"${sha}"`, `"other", "${sha}"`, '*']) {
      const again = await dropline.app!.request(image.url, { headers: { 'if-none-match': tag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(`"${sha}"`);
      expect(await again.text()).toBe('');
    }
    const changed = await dropline.app!.request(image.url, { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);

    for (const other of [
      `/media/${sha}.png`,
      `/media/${sha}`,
      `/media/${'0'.repeat(64)}.jpg`,
      `/media/${sha.toUpperCase()}.jpg`,
      '/media/..%2Fpackage.json',
      '/media/',
    ]) {
      const missing = await dropline.app!.request(other);
      expect(missing.status, other).toBe(404);
    }

    // Removed: no longer served.
    expect(
      (await api.delete(`/api/drops/${drop.id}/images/${image.id}`, { token: brand.token })).status,
    ).toBe(204);
    expect((await dropline.app!.request(image.url)).status).toBe(404);
  });

  test('the same bytes on two drops are one file, served while either keeps them', async ({
    api,
    dropline,
  }) => {
    const bytes = new Uint8Array([...testImages.png.bytes, ...randomBytes(8)]);
    const png = { ...testImages.png, bytes };
    const a = await scheduledDrop(api);
    const b = await scheduledDrop(api);
    const first = await uploadOk(dropline, a.drop.id, a.brand.token, png, 'On A');
    const second = await uploadOk(dropline, b.drop.id, b.brand.token, png, 'On B');
    expect(second.url).toBe(first.url);
    expect(
      (await api.delete(`/api/drops/${a.drop.id}/images/${first.id}`, { token: a.brand.token })).status,
    ).toBe(204);
    const served = await dropline.app!.request(first.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect((await api.get(`/api/drops/${b.drop.id}`)).body.images).toEqual([second]);
  });
});
