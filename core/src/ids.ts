import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random base62 string; 20 characters carry ~119 bits. */
export function randomToken(length = 20): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const byte = bytes[i]!;
    // Rejection sampling keeps the alphabet uniform: 248 = 62 * 4.
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

/** Ids of objects Lumen creates: `sub_…`, `inv_…`, `evt_…`, `clk_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(20)}`;
}
