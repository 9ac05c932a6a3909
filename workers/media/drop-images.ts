/**
 * A drop's product images: what an upload must be (a JPEG, PNG or WebP by its content, within the byte and pixel
 * limits), at most `maxPerDrop` a drop in order, and the stored bytes served by their hash.
 */
import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import {
  ImageLimitError,
  ImageNotFoundError,
  ImageTooLargeError,
  InvalidImageError,
  UnsupportedImageError,
} from './errors.js';
import { IMAGE_TYPES, sniffImage, type ImageContentType, type ImageExtension } from './image-type.js';
import { createImagesStore, type DropImage } from './images-store.js';

export const MAX_IMAGES_PER_DROP = 6;
export const MAX_IMAGE_DIMENSION = 6000;

export interface DropImagesDeps {
  sql: Sql;
  /** The largest image accepted, in bytes. */
  maxBytes: number;
}

export interface MediaFile {
  contentType: ImageContentType;
  bytes: Uint8Array;
}

export type DropImages = ReturnType<typeof createDropImages>;

const EXTENSIONS = new Map(Object.entries(IMAGE_TYPES).map(([type, ext]) => [ext, type as ImageContentType]));

/** The file name an image is served under: its hash and the extension of its type. */
export const mediaFileName = (image: Pick<DropImage, 'sha256' | 'contentType'>) =>
  `${image.sha256}.${IMAGE_TYPES[image.contentType]}`;

export function createDropImages({ sql, maxBytes }: DropImagesDeps) {
  const store = createImagesStore(sql);
  return {
    maxBytes,
    /** Adds an image after the drop's others (the first one becomes the lead image). */
    async add(dropId: string, { bytes, alt }: { bytes: Uint8Array; alt: string }): Promise<DropImage> {
      if (bytes.byteLength > maxBytes) throw new ImageTooLargeError(maxBytes);
      const info = sniffImage(bytes);
      if (!info) throw new UnsupportedImageError();
      const { width, height } = info;
      if (width < 1 || height < 1 || width > MAX_IMAGE_DIMENSION || height > MAX_IMAGE_DIMENSION) {
        throw new InvalidImageError(
          'file',
          `must be 1 to ${MAX_IMAGE_DIMENSION} pixels on each side (this one is ${width}×${height})`,
        );
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const image = await store.insert(dropId, { ...info, sha256, alt, bytes }, MAX_IMAGES_PER_DROP);
      if (!image) throw new ImageLimitError(MAX_IMAGES_PER_DROP);
      return image;
    },
    /** Changes an image's alt text and/or its place (0: the lead image; the others shift). */
    async update(
      dropId: string,
      imageId: string,
      changes: { alt?: string; position?: number },
    ): Promise<DropImage> {
      const image = await store.update(dropId, imageId, changes);
      if (image === null) throw new ImageNotFoundError();
      if (image === 'out_of_range')
        throw new InvalidImageError('position', 'must name a place among the drop’s images (0 is the lead)');
      return image;
    },
    async remove(dropId: string, imageId: string): Promise<void> {
      if (!(await store.remove(dropId, imageId))) throw new ImageNotFoundError();
    },
    /** The images of each drop named, in order, in one query. */
    forDrops: (dropIds: readonly string[]) => store.forDrops(dropIds),
    /** The bytes served as `/media/<file>` (`<sha256>.<jpg|png|webp>`), or null for any other name. */
    async file(name: string): Promise<MediaFile | null> {
      const match = /^([0-9a-f]{64})\.(jpg|png|webp)$/.exec(name);
      const contentType = match && EXTENSIONS.get(match[2] as ImageExtension);
      if (!match || !contentType) return null;
      const bytes = await store.file(match[1]!, contentType);
      return bytes && { contentType, bytes };
    },
  };
}
