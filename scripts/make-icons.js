#!/usr/bin/env node
// Draws the web app's icons (src/web/icons/*.png) from code, so they are reproducible and
// need no image tools: a blue tile with two switch toggles. Run after changing the design:
//   node scripts/make-icons.js
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../src/web/icons/', import.meta.url);
const BLUE = [31, 111, 235];
const WHITE = [255, 255, 255];
const DARK = [13, 17, 23];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Two pill-shaped toggles, the upper one on (knob right), the lower off; `s` scales them. */
function glyph(u, v, s) {
  const x = (u - 0.5) / s + 0.5;
  const y = (v - 0.5) / s + 0.5;
  for (const [cy, on] of [
    [0.36, true],
    [0.64, false],
  ]) {
    const dy = y - cy;
    const half = 0.1;
    const dx = Math.max(0.25 - x, 0, x - 0.75);
    if (Math.hypot(dx, dy) <= half) {
      const kx = on ? 0.75 : 0.25;
      if (Math.hypot(x - kx, dy) <= half * 0.72) return on ? BLUE : WHITE;
      return on ? WHITE : DARK;
    }
  }
  return null;
}

function tile(rounded, s) {
  return (u, v) => {
    if (rounded) {
      const r = 0.2;
      const dx = Math.max(r - u, 0, u - (1 - r));
      const dy = Math.max(r - v, 0, v - (1 - r));
      if (Math.hypot(dx, dy) > r) return [0, 0, 0, 0];
    }
    return [...(glyph(u, v, s) ?? BLUE), 255];
  };
}

const icons = [
  ['icon-192.png', 192, tile(true, 1)],
  ['icon-512.png', 512, tile(true, 1)],
  // Maskable: full bleed, the glyph inside the 80% safe zone the platform may crop to.
  ['maskable-512.png', 512, tile(false, 0.78)],
  // iOS rounds the corners itself and shows transparency as black.
  ['apple-touch-icon.png', 180, tile(false, 0.9)],
];
for (const [name, size, draw] of icons) writeFileSync(new URL(name, OUT), png(size, draw));
console.log(`wrote ${icons.map(([n]) => n).join(', ')} to src/web/icons/`);
