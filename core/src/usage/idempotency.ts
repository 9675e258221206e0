/** A repeated idempotency key is not counted again within this window (PRODUCT §9: 35 days). */
export const IDEMPOTENCY_WINDOW_MS = 35 * 86_400_000;

/**
 * Whether an earlier counted occurrence of a key, received at `earlierReceivedAt`, makes an event received at
 * `receivedAt` a duplicate. "Earlier" is by position in the stream, never by clock: the first occurrence wins.
 */
export function repeatsWithinWindow(earlierReceivedAt: number, receivedAt: number): boolean {
  return earlierReceivedAt >= receivedAt - IDEMPOTENCY_WINDOW_MS;
}

/** The key counters of a customer are kept under: one per (feature, entity); entity null is the customer-wide one. */
export function counterKey(feature: string, entity: string | null): string {
  return entity === null ? feature : `${feature}\u0000${entity}`;
}
