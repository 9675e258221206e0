import type { EngineContext } from "../context";
import type { Invoice } from "./invoice-record";

/** What collecting an invoice at once came to: paid, left for later (out of band, a webhook), or declined. */
export type Collection = "paid" | "pending" | "failed";

/**
 * Collects an invoice made by a change now (an upgrade, seats added), inside the change's transaction. Charges go
 * through the collection job that finalization schedules (payments/collect-invoice.ts), after the change commits:
 * a declined card then enters the dunning like any invoice's, rather than rolling the change back (Stripe's
 * `allow_incomplete`). Kept as the seam for a provider that must answer at once.
 */
export async function collectImmediately(_ctx: EngineContext, invoice: Invoice): Promise<Collection> {
  return invoice.status === "paid" ? "paid" : "pending";
}
