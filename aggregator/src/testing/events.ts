import type { UsageEvent } from "@lumen/core";

let counter = 0;

/** A usage event with defaults: customer "acme", tracked by feature "api-calls", value 1, now. */
export function usageEvent(fields: Partial<UsageEvent> = {}): UsageEvent {
  const timestamp = fields.timestamp ?? Date.now();
  return {
    id: `evt_test${++counter}_${Math.random().toString(36).slice(2, 8)}`,
    env: "test",
    customer: "acme",
    feature: fields.event ? null : "api-calls",
    event: null,
    entity: null,
    value: 1,
    properties: null,
    idempotencyKey: null,
    ...fields,
    timestamp,
    receivedAt: fields.receivedAt ?? timestamp,
  };
}

/** Polls until `check` passes (returns without throwing), or fails with its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
