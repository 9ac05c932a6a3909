/**
 * A drop's product images: upload (multipart/form-data: `file` and `alt`), change the alt text or the order, remove.
 * The lead brand and operators only. The bytes are typed and sized by workers/media from their content alone.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { mayChange, type Drop, type DropsService } from '../../workers/drops/index.js';
import { mediaFileName, type DropImage, type DropImages } from '../../workers/media/index.js';
import type { EdgeEnv } from '../context.js';
import { lineText } from '../input-rules.js';
import { requireRole } from '../middleware/session.js';
import { HttpProblem, ValidationError } from '../problems.js';
import { parse, pathId, readJson } from '../validation.js';

/** An image as the API shows it; `url` is its `/media/<sha256>.<jpg|png|webp>` address. */
export interface DropImageJson {
  id: string;
  url: string;
  alt: string;
  width: number;
  height: number;
}

export const imageJson = (i: DropImage): DropImageJson => ({
  id: i.id,
  url: `/media/${mediaFileName(i)}`,
  alt: i.alt,
  width: i.width,
  height: i.height,
});

/**
 * Room a multipart body takes besides the file: the boundaries, the parts' headers and the alt text (300 characters,
 * up to 4 bytes each).
 */
export const MULTIPART_ALLOWANCE_BYTES = 16 * 1024;

/** The upload route, which takes multipart/form-data (and a body larger than the JSON routes'). */
export const isImageUpload = (method: string, path: string) =>
  method === 'POST' && /^\/api\/drops\/[^/]+\/images$/.test(path);

const alt = lineText(300);
const patchBody = z
  .strictObject({ alt: alt.optional(), position: z.number().int('must be a whole number').min(0).max(5) })
  .partial();

async function readUpload(c: Context<EdgeEnv>): Promise<{ bytes: Uint8Array; alt: string }> {
  if (!/^multipart\/form-data\s*;/i.test(c.req.header('content-type') ?? '')) {
    throw new HttpProblem(
      'unsupported_media_type',
      'send the image as multipart/form-data (fields file and alt)',
    );
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new ValidationError([{ field: '', message: 'the body is not a readable multipart form' }]);
  }
  const unknown = [...new Set(form.keys())].filter((k) => k !== 'file' && k !== 'alt');
  const file = form.get('file');
  const text = form.get('alt');
  const errors = unknown.map((field) => ({ field, message: 'is not a known field' }));
  if (!(file instanceof File)) errors.push({ field: 'file', message: 'must be a file' });
  if (typeof text !== 'string')
    errors.push({ field: 'alt', message: 'describe the image for those who cannot see it' });
  if (errors.length > 0 || !(file instanceof File)) throw new ValidationError(errors);
  const altText = parse(z.object({ alt }), { alt: text }).alt;
  return { bytes: new Uint8Array(await file.arrayBuffer()), alt: altText };
}

export function registerDropImages(
  app: Hono<EdgeEnv>,
  { drops, images }: { drops: DropsService; images: DropImages },
) {
  /** The drop named by the path, once the caller is known to be allowed to change its images. */
  const changeable = async (c: Context<EdgeEnv>): Promise<Drop> => {
    const who = requireRole(c, 'brand', 'operator');
    const drop = await drops.get(pathId(c, 'id', 'drop'));
    if (!mayChange({ id: who.userId, role: who.role, brandId: who.brandId }, drop))
      throw new HttpProblem('forbidden', 'only the drop’s lead brand or an operator may change its images');
    return drop;
  };

  app.post('/api/drops/:id/images', async (c) => {
    const drop = await changeable(c);
    const upload = await readUpload(c);
    return c.json(imageJson(await images.add(drop.id, upload)), 201);
  });

  app.patch('/api/drops/:id/images/:imageId', async (c) => {
    const drop = await changeable(c);
    const imageId = pathId(c, 'imageId', 'image');
    const body = await readJson(c, patchBody);
    return c.json(imageJson(await images.update(drop.id, imageId, body)));
  });

  app.delete('/api/drops/:id/images/:imageId', async (c) => {
    const drop = await changeable(c);
    await images.remove(drop.id, pathId(c, 'imageId', 'image'));
    return c.body(null, 204);
  });
}
