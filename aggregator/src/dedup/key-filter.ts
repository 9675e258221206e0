const BITS_PER_KEY = 10;
const PROBES = 7;

/**
 * A Bloom filter of a partition's idempotency-key hashes (about 1% false positives at capacity). It answers
 * "certainly never counted" for new keys, so that only possible repeats are looked up in ClickHouse; a false
 * positive costs a lookup, never a wrong answer. Past its capacity it refuses keys, and the caller stops using it.
 */
export class KeyFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private count = 0;

  constructor(readonly capacity: number) {
    this.size = Math.max(32, Math.ceil((capacity * BITS_PER_KEY) / 32) * 32);
    this.bits = new Uint32Array(this.size / 32);
  }

  /** Adds a hash; false once the filter holds `capacity` keys (it would answer "maybe" too often). */
  add(hash: number): boolean {
    if (this.count >= this.capacity) return false;
    this.count++;
    const [h1, h2] = split(hash);
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const position = bit % this.size;
      this.bits[position >>> 5]! |= 1 << (position & 31);
    }
    return true;
  }

  mightContain(hash: number): boolean {
    const [h1, h2] = split(hash);
    for (let i = 0; i < PROBES; i++) {
      const position = ((h1 + Math.imul(i, h2)) >>> 0) % this.size;
      if ((this.bits[position >>> 5]! & (1 << (position & 31))) === 0) return false;
    }
    return true;
  }
}

/** Two 32-bit hashes from one 53-bit hash (double hashing). */
function split(hash: number): [number, number] {
  const low = hash >>> 0;
  const high = Math.floor(hash / 4294967296);
  return [low, (Math.imul(high ^ (low >>> 16), 0x9e3779b1) | 1) >>> 0];
}
