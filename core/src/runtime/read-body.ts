import type { HttpResponse } from "uWebSockets.js";
import type { ByteBudget } from "./byte-budget";

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "busy" };

/**
 * Reads a request body of at most `limit` bytes, taking its bytes from the server's `budget` as they arrive.
 * Calls `done` once: with the body, or as soon as the body proves larger than the limit or the budget is
 * spent (the rest is not read: the caller answers and closes the connection). The caller returns the bytes
 * with `release()` once the request is over, whatever happened. uWS hands out chunks that are only valid
 * during the callback, so each is copied.
 */
export function readBody(
  res: HttpResponse,
  { limit, budget }: { limit: number; budget: ByteBudget },
  done: (result: BodyResult) => void,
): { release(): void } {
  const chunks: Buffer[] = [];
  let size = 0;
  let taken = 0;
  let finished = false;
  res.onData((chunk, isLast) => {
    if (finished) return;
    size += chunk.byteLength;
    if (size > limit || !budget.tryTake(chunk.byteLength)) {
      finished = true;
      done({ ok: false, reason: size > limit ? "too_large" : "busy" });
      return;
    }
    taken += chunk.byteLength;
    chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
    if (isLast) {
      finished = true;
      done({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    }
  });
  return {
    release() {
      finished = true;
      budget.giveBack(taken);
      taken = 0;
      chunks.length = 0;
    },
  };
}
