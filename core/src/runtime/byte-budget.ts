/**
 * Bytes of request bodies and WebSocket frames held at once across the whole server: with the publisher's
 * bounded queue, what keeps memory bounded under any load (many slow 8 MB uploads would otherwise not be).
 */
export interface ByteBudget {
  /** Takes `bytes` if they fit; false (nothing taken) otherwise. */
  tryTake(bytes: number): boolean;
  giveBack(bytes: number): void;
  readonly used: number;
}

export function createByteBudget(limit: number): ByteBudget {
  let used = 0;
  return {
    tryTake(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    giveBack(bytes) {
      used -= bytes;
    },
    get used() {
      return used;
    },
  };
}
