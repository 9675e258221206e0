/**
 * A MessagePack encoder for JSON-like values, enough for track batches: the SDK has no runtime dependencies, and
 * encoding (unlike decoding untrusted input) is small. Plain maps and arrays only (no extension types): a Date
 * becomes its ISO string, an `undefined` map value is left out (as JSON.stringify does), integers beyond 32 bits
 * are written as float64 (exact up to 2^53, and every decoder reads them as numbers).
 */

const MAX_DEPTH = 64;
const textEncoder = new TextEncoder();

/**
 * The MessagePack bytes of `value`; throws a TypeError for what JSON cannot hold either (bigint, functions,
 * symbols, cycles).
 * @example await fetch(url, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encodeMsgpack({ events }) });
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  const writer = new Writer();
  writer.write(value, 0);
  return writer.bytes();
}

class Writer {
  #buffer = new Uint8Array(1024);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  write(value: unknown, depth: number): void {
    if (depth > MAX_DEPTH) throw new TypeError(`Cannot encode a value nested deeper than ${MAX_DEPTH} (a cycle?)`);
    if (value === null || value === undefined) this.#byte(0xc0);
    else if (typeof value === "boolean") this.#byte(value ? 0xc3 : 0xc2);
    else if (typeof value === "number") this.#number(value);
    else if (typeof value === "string") this.#string(value);
    else if (typeof value !== "object") throw new TypeError(`Cannot encode a ${typeof value} as MessagePack`);
    else if (value instanceof Date) this.#string(value.toISOString());
    else if (value instanceof Uint8Array) this.#binary(value);
    else if (Array.isArray(value)) this.#array(value, depth);
    else this.#map(value as Record<string, unknown>, depth);
  }

  #number(value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      // Also NaN and ±Infinity; the sidecar refuses them where a number must be finite.
      this.#reserve(9);
      this.#buffer[this.#length++] = 0xcb;
      this.#view.setFloat64(this.#length, value);
      this.#length += 8;
    } else if (value >= 0) {
      if (value < 0x80) this.#byte(value);
      else if (value < 0x100) this.#header(0xcc, 1, value);
      else if (value < 0x10000) this.#header(0xcd, 2, value);
      else this.#header(0xce, 4, value);
    } else if (value >= -32) {
      this.#byte(value & 0xff);
    } else {
      const width = value >= -0x80 ? 1 : value >= -0x8000 ? 2 : 4;
      this.#reserve(1 + width);
      this.#buffer[this.#length++] = width === 1 ? 0xd0 : width === 2 ? 0xd1 : 0xd2;
      if (width === 1) this.#view.setInt8(this.#length, value);
      else if (width === 2) this.#view.setInt16(this.#length, value);
      else this.#view.setInt32(this.#length, value);
      this.#length += width;
    }
  }

  #string(value: string): void {
    const encoded = textEncoder.encode(value);
    const size = encoded.length;
    if (size < 32) this.#byte(0xa0 | size);
    else if (size < 0x100) this.#header(0xd9, 1, size);
    else if (size < 0x10000) this.#header(0xda, 2, size);
    else this.#header(0xdb, 4, size);
    this.#raw(encoded);
  }

  #binary(value: Uint8Array): void {
    const size = value.length;
    if (size < 0x100) this.#header(0xc4, 1, size);
    else if (size < 0x10000) this.#header(0xc5, 2, size);
    else this.#header(0xc6, 4, size);
    this.#raw(value);
  }

  #array(value: unknown[], depth: number): void {
    this.#collection(value.length, 0x90, 0xdc, 0xdd);
    for (const item of value) this.write(item, depth + 1);
  }

  #map(value: Record<string, unknown>, depth: number): void {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    this.#collection(entries.length, 0x80, 0xde, 0xdf);
    for (const [key, item] of entries) {
      this.#string(key);
      this.write(item, depth + 1);
    }
  }

  #collection(size: number, fix: number, code16: number, code32: number): void {
    if (size < 16) this.#byte(fix | size);
    else if (size < 0x10000) this.#header(code16, 2, size);
    else this.#header(code32, 4, size);
  }

  /** A type byte followed by an unsigned big-endian integer of `width` bytes. */
  #header(code: number, width: 1 | 2 | 4, value: number): void {
    this.#reserve(1 + width);
    this.#buffer[this.#length++] = code;
    if (width === 1) this.#view.setUint8(this.#length, value);
    else if (width === 2) this.#view.setUint16(this.#length, value);
    else this.#view.setUint32(this.#length, value);
    this.#length += width;
  }

  #byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
  }

  #raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #reserve(size: number): void {
    if (this.#length + size <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < this.#length + size) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}
