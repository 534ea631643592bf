/**
 * The pages' icon: the header's mark (a white diamond on the brand red), as SVG for browsers that take
 * <link rel="icon"> and as a 32×32 ICO at /favicon.ico for everything that asks for that path by habit.
 * Both are drawn here from the same shape, so there is no binary file to keep in step.
 */
const SIZE = 32;
const RADIUS = 6;
const BRAND = [0xb3, 0x26, 0x1e] as const;
/** The diamond: |x - c| + |y - c| <= HALF, in pixel centres. */
const HALF = 11;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}"><rect width="${SIZE}" height="${SIZE}" rx="${RADIUS}" fill="#b3261e"/><path d="M16 ${16 - HALF} ${16 + HALF} 16 16 ${16 + HALF} ${16 - HALF} 16Z" fill="#fff"/></svg>\n`;

function inRoundedSquare(x: number, y: number): boolean {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), SIZE - RADIUS);
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2;
}

/** A 32×32, 32-bit ICO (one BMP image: BITMAPINFOHEADER, bottom-up BGRA rows, then the AND mask). */
export function faviconIco(): Buffer {
  const pixels = Buffer.alloc(SIZE * SIZE * 4);
  for (let row = 0; row < SIZE; row++) {
    const y = SIZE - 1 - row + 0.5; // BMP rows run bottom-up
    for (let col = 0; col < SIZE; col++) {
      const x = col + 0.5;
      const o = (row * SIZE + col) * 4;
      if (!inRoundedSquare(x, y)) continue; // transparent corner
      const white = Math.abs(x - 16) + Math.abs(y - 16) <= HALF;
      const [r, g, b] = white ? [255, 255, 255] : BRAND;
      pixels[o] = b;
      pixels[o + 1] = g;
      pixels[o + 2] = r;
      pixels[o + 3] = 255;
    }
  }
  const mask = Buffer.alloc((SIZE / 8) * SIZE); // all 0: the alpha channel decides
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(SIZE, 4);
  info.writeInt32LE(SIZE * 2, 8); // XOR image + AND mask
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([info, pixels, mask]);
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(SIZE, 6);
  header.writeUInt8(SIZE, 7);
  header.writeUInt8(0, 8);
  header.writeUInt8(0, 9);
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(header.length, 18);
  return Buffer.concat([header, image]);
}
