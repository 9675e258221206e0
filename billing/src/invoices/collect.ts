import type { EngineContext } from "../context";
import type { Invoice } from "./invoice-record";

/** What collecting an invoice at once came to: paid, left for later (out of band, a webhook), or declined. */
export type Collection = "paid" | "pending" | "failed";

/**
 * Collects an invoice made by a change now (an upgrade, seats added), inside the change's transaction. The seam for
 * payments (issue 6): a provider that charges and is declined answers "failed" and the caller rolls the change back.
 * Without a provider (the manual one) nothing is charged here: the invoice stays open until paid out of band.
 */
export async function collectImmediately(_ctx: EngineContext, invoice: Invoice): Promise<Collection> {
  return invoice.status === "paid" ? "paid" : "pending";
}
