/**
 * Drop images in PostgreSQL (drop_images). Every change to a drop's images runs in one transaction holding an
 * advisory lock on that drop's images, so two uploads at once count each other and positions stay 0..n-1 with no gap.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import type { ImageContentType } from './image-type.js';

export interface DropImage {
  id: string;
  dropId: string;
  /** 0 is the lead image. */
  position: number;
  sha256: string;
  contentType: ImageContentType;
  width: number;
  height: number;
  alt: string;
}

export interface NewImage {
  sha256: string;
  contentType: ImageContentType;
  width: number;
  height: number;
  alt: string;
  bytes: Uint8Array;
}

export interface ImagesStore {
  /** Adds an image at the end; null when the drop already has `max` images. */
  insert(dropId: string, image: NewImage, max: number): Promise<DropImage | null>;
  /**
   * Changes an image's alt text and/or moves it to `position` (the others shift); null when the drop has no such
   * image, 'out_of_range' when `position` is past the last image.
   */
  update(
    dropId: string,
    imageId: string,
    changes: { alt?: string; position?: number },
  ): Promise<DropImage | null | 'out_of_range'>;
  /** Removes an image and closes the gap; false when the drop has no such image. */
  remove(dropId: string, imageId: string): Promise<boolean>;
  /** The images of each drop named, in order (drops without images are absent), in one query. */
  forDrops(dropIds: readonly string[]): Promise<Map<string, DropImage[]>>;
  /** The bytes stored under a hash with that content type, or null. */
  file(sha256: string, contentType: ImageContentType): Promise<Uint8Array | null>;
}

interface ImageRow {
  id: string;
  drop_id: string;
  position: number;
  sha256: string;
  content_type: ImageContentType;
  width: number;
  height: number;
  alt: string;
}

const toImage = (r: ImageRow): DropImage => ({
  id: r.id,
  dropId: r.drop_id,
  position: r.position,
  sha256: r.sha256,
  contentType: r.content_type,
  width: r.width,
  height: r.height,
  alt: r.alt,
});

const COLUMNS = ['id', 'drop_id', 'position', 'sha256', 'content_type', 'width', 'height', 'alt'] as const;

/** Serialises changes to one drop's images until the transaction ends. */
async function lockImages(tx: TransactionSql, dropId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`drop_images:${dropId}`}, 0))`;
}

async function orderedIds(tx: TransactionSql, dropId: string): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    SELECT id FROM drop_images WHERE drop_id = ${dropId} ORDER BY position`;
  return rows.map((r) => r.id);
}

/** Writes positions 0..n-1 in the order given (the unique position is checked at commit). */
async function renumber(tx: TransactionSql, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const positions = ids.map((id, position) => [id, position]);
  await tx`
    UPDATE drop_images SET position = v.position::int
    FROM (VALUES ${tx(positions)}) AS v (id, position)
    WHERE drop_images.id = v.id::uuid`;
}

export function createImagesStore(sql: Sql): ImagesStore {
  return {
    insert: (dropId, image, max) =>
      sql.begin(async (tx) => {
        await lockImages(tx, dropId);
        const [count] = await tx<{ n: number }[]>`
          SELECT count(*)::int AS n FROM drop_images WHERE drop_id = ${dropId}`;
        const position = count?.n ?? 0;
        if (position >= max) return null;
        const [row] = await tx<ImageRow[]>`
          INSERT INTO drop_images ${tx({
            id: randomUUID(),
            drop_id: dropId,
            position,
            sha256: image.sha256,
            content_type: image.contentType,
            width: image.width,
            height: image.height,
            alt: image.alt,
            bytes: Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength),
          })}
          RETURNING ${tx(COLUMNS)}`;
        return toImage(row!);
      }),

    update: (dropId, imageId, { alt, position }) =>
      sql.begin(async (tx): Promise<DropImage | null | 'out_of_range'> => {
        await lockImages(tx, dropId);
        const ids = await orderedIds(tx, dropId);
        const from = ids.indexOf(imageId);
        if (from < 0) return null;
        if (position !== undefined) {
          if (position >= ids.length) return 'out_of_range';
          ids.splice(from, 1);
          ids.splice(position, 0, imageId);
          await renumber(tx, ids);
        }
        if (alt !== undefined) await tx`UPDATE drop_images SET alt = ${alt} WHERE id = ${imageId}`;
        const [row] = await tx<ImageRow[]>`SELECT ${tx(COLUMNS)} FROM drop_images WHERE id = ${imageId}`;
        return toImage(row!);
      }),

    remove: (dropId, imageId) =>
      sql.begin(async (tx) => {
        await lockImages(tx, dropId);
        const deleted = await tx`DELETE FROM drop_images WHERE id = ${imageId} AND drop_id = ${dropId}`;
        if (deleted.count === 0) return false;
        await renumber(tx, await orderedIds(tx, dropId));
        return true;
      }),

    async forDrops(dropIds) {
      const images = new Map<string, DropImage[]>();
      if (dropIds.length === 0) return images;
      const rows = await sql<ImageRow[]>`
        SELECT ${sql(COLUMNS)} FROM drop_images WHERE drop_id IN ${sql(dropIds)}
        ORDER BY drop_id, position`;
      for (const row of rows) {
        const list = images.get(row.drop_id) ?? [];
        images.set(row.drop_id, [...list, toImage(row)]);
      }
      return images;
    },

    async file(sha256, contentType) {
      const [row] = await sql<{ bytes: Buffer }[]>`
        SELECT bytes FROM drop_images WHERE sha256 = ${sha256} AND content_type = ${contentType} LIMIT 1`;
      return row ? new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : null;
    },
  };
}
