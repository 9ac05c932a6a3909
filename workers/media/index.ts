/**
 * workers/media/: product images of drops in PostgreSQL — typed by their content alone (magic bytes, never a name
 * or a declared type), sized from their headers, at most six a drop in order, and served by their SHA-256. It
 * imports no other project folder; edge/ (the images routes, `/media/<file>`, drops' JSON) enters it and infra/
 * wires it.
 */
export {
  createDropImages,
  MAX_IMAGE_DIMENSION,
  MAX_IMAGES_PER_DROP,
  mediaFileName,
  type DropImages,
  type DropImagesDeps,
  type MediaFile,
} from './drop-images.js';
export type { DropImage } from './images-store.js';
export { sniffImage, IMAGE_TYPES, type ImageContentType, type ImageInfo } from './image-type.js';
export {
  ImageLimitError,
  ImageNotFoundError,
  ImageTooLargeError,
  InvalidImageError,
  UnsupportedImageError,
} from './errors.js';
