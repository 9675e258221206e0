import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Random bytes are drawn 4 KB at a time: one system call per ~150 ids instead of one per id (ingest stamps
// hundreds of thousands of events a second; this was a quarter of its CPU).
const pool = Buffer.alloc(4096);
let offset = pool.length;

function nextByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
}

/** A random base62 string; 20 characters carry ~119 bits. */
export function randomToken(length = 20): string {
  let out = "";
  while (out.length < length) {
    const byte = nextByte();
    // Rejection sampling keeps the alphabet uniform: 248 = 62 * 4.
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

/** Ids of objects Lumen creates: `sub_…`, `inv_…`, `evt_…`, `clk_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(20)}`;
}
