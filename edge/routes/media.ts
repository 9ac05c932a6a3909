/**
 * `GET /media/<sha256>.<jpg|png|webp>`: a stored image's bytes. A name is its content's hash, so the answer never
 * changes: cached for a year as immutable, its ETag the hash (304 when the client has it).
 */
import type { Hono } from 'hono';
import type { DropImages } from '../../workers/media/index.js';
import type { EdgeEnv } from '../context.js';
import { problem, problemResponse } from '../problems.js';

const CACHE = 'public, max-age=31536000, immutable';

/** Whether an If-None-Match header names this entity tag (weak or strong, or `*`). */
function hasTag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

export function registerMedia(app: Hono<EdgeEnv>, { images }: { images: Pick<DropImages, 'file'> }) {
  app.get('/media/:file', async (c) => {
    const name = c.req.param('file');
    const file = await images.file(name);
    if (!file) return problemResponse(c, problem('not_found', 'no such image'));
    const etag = `"${name.slice(0, 64)}"`;
    const headers = { ETag: etag, 'Cache-Control': CACHE };
    if (hasTag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      'Content-Type': file.contentType,
      'Content-Length': String(file.bytes.byteLength),
    });
  });
}
