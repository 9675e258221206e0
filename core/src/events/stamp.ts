import type { ErrorDetail } from "../errors";
import { newId } from "../ids";
import { type LumenEnv, MAX_FUTURE_SKEW_MS, type TrackInput, type UsageEvent } from "./usage-event";

export interface StampResult {
  /** The accepted inputs, stamped, in input order. */
  events: UsageEvent[];
  /** Inputs refused, by their index in `inputs`; detail paths are relative to the event. */
  rejected: { index: number; details: ErrorDetail[] }[];
}

/**
 * Turns validated track inputs into stream events (DESIGN "The flow of one event", step 2): an `evt_` id, the
 * environment of the caller's key, and the event time — the caller's timestamp, else the customer's test-clock
 * time, else the receive time. An event more than `MAX_FUTURE_SKEW_MS` ahead of the customer's time is refused:
 * a clock that far off is a bug on the caller's side, and such an event would sit in a period not yet open.
 */
export function stampEvents({
  inputs,
  env,
  receivedAt,
  clockTimes,
  closedThrough,
}: {
  inputs: readonly TrackInput[];
  env: LumenEnv;
  /** Wall-clock receive time (ms). */
  receivedAt: number;
  /** Frozen time (ms) of the test clock of each customer that has one. */
  clockTimes?: ReadonlyMap<string, number>;
  /**
   * Per customer, the end (ms) of the newest period whose invoice is final: an event timestamped before it would
   * change an immutable invoice and is refused (PRODUCT §9). See `customersToCheckForClosedPeriods`.
   */
  closedThrough?: ReadonlyMap<string, number>;
}): StampResult {
  const events: UsageEvent[] = [];
  const rejected: StampResult["rejected"] = [];
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index]!;
    const customerNow = clockTimes?.get(input.customer) ?? receivedAt;
    if (input.timestamp !== null && input.timestamp > customerNow + MAX_FUTURE_SKEW_MS) {
      const message = `must not be more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes after the customer's current time (${new Date(customerNow).toISOString()})`;
      rejected.push({ index, details: [{ path: "timestamp", message }] });
      continue;
    }
    const closed = input.timestamp === null ? undefined : closedThrough?.get(input.customer);
    if (closed !== undefined && input.timestamp !== null && input.timestamp < closed) {
      const message = `must not be before ${new Date(closed).toISOString()}: the invoice of that period is final`;
      rejected.push({ index, details: [{ path: "timestamp", message }] });
      continue;
    }
    events.push({
      id: newId("evt"),
      env,
      customer: input.customer,
      feature: input.feature,
      event: input.event,
      entity: input.entity,
      value: input.value,
      properties: input.properties,
      timestamp: input.timestamp ?? customerNow,
      receivedAt,
      idempotencyKey: input.idempotencyKey,
    });
  }
  return { events, rejected };
}

/** The customers whose events carry their own timestamp: only they can send an event of a period already invoiced. */
export function customersToCheckForClosedPeriods(inputs: readonly TrackInput[]): string[] {
  const customers = new Set<string>();
  for (const input of inputs) if (input.timestamp !== null) customers.add(input.customer);
  return [...customers];
}

/**
 * The SQL behind `closedThrough` (PostgreSQL; $1 env, $2 customer ids): per customer, the earliest of its live
 * subscriptions' newest final period closes (sub-period closes of items with their own interval aside): no event is
 * refused that a period still open could count. Ingest and the billing API run the same query.
 */
export const CLOSED_THROUGH_SQL = `SELECT customer_id, min(closed) AS closed_through FROM (
    SELECT i.customer_id, i.subscription_id, max(i.period_end) AS closed FROM invoices i
      JOIN subscriptions s ON s.env = i.env AND s.id = i.subscription_id
     WHERE i.env = $1 AND i.customer_id = ANY($2) AND i.status <> 'draft' AND i.billing_reason = 'subscription_cycle'
       AND NOT (COALESCE(i.usage_plan, '{}'::jsonb) ? 'intervals') AND s.ended_at IS NULL
     GROUP BY i.customer_id, i.subscription_id
  ) closed_per_subscription GROUP BY customer_id`;

export function closedThroughOf(rows: readonly { customer_id: string; closed_through: Date | string }[]) {
  return new Map(rows.map((row) => [row.customer_id, new Date(row.closed_through).getTime()]));
}
