import { describe, expect, it } from 'vitest';
import { testImages } from '../../infra/testing/index.js';
import { sniffImage } from './image-type.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('sniffImage', () => {
  it.each(Object.entries(testImages))('reads the type and size of %s from its bytes', (_name, image) => {
    expect(sniffImage(image.bytes)).toEqual({
      contentType: image.contentType,
      width: image.width,
      height: image.height,
    });
  });

  it('reads a progressive JPEG (SOF2) frame header too', () => {
    const bytes = Uint8Array.from(testImages.jpeg.bytes);
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
    bytes[sof + 1] = 0xc2;
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/jpeg', width: 5, height: 4 });
  });

  it('refuses what is not a JPEG, PNG or WebP, or is cut short before its size', () => {
    const png = testImages.png.bytes;
    const jpeg = testImages.jpeg.bytes;
    const cases = [
      text('hello, I am a text file called photo.png'),
      text('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      text('GIF89a\x01\x00\x01\x00'),
      text('RIFF\x10\x00\x00\x00WAVEfmt '),
      new Uint8Array(0),
      png.subarray(0, 20),
      // A JPEG ending before its frame header, and one whose data starts before any.
      jpeg.subarray(0, 100),
      Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]),
      testImages.webpLossy.bytes.subarray(0, 24),
    ];
    for (const bytes of cases) expect(sniffImage(bytes)).toBeNull();
  });
});
