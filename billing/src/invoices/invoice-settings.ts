import { countryCode } from "@lumen/core";
import { z } from "zod";
import { type EngineContext, withTransaction } from "../context";
import { loadSetting, lockSetting, writeSetting } from "../settings/settings-store";
import type { SellerDetails } from "./invoice-view";

/** The grace period of PRODUCT §7: a period invoice stays a draft this long, and late events still count. */
export const DEFAULT_GRACE_SECONDS = 3600;

const address = z
  .strictObject({
    country: countryCode.nullish(),
    state: z.string().max(100).nullish(),
    postalCode: z.string().max(40).nullish(),
    city: z.string().max(200).nullish(),
    line1: z.string().max(500).nullish(),
    line2: z.string().max(500).nullish(),
  })
  .nullish();

/** `PUT /v1/settings/invoices`: who sells (printed on documents) and how long drafts wait. */
export const invoiceSettingsInput = z.strictObject({
  seller: z
    .strictObject({
      name: z.string().min(1).max(200),
      email: z.string().email().max(320).nullish(),
      address,
      taxId: z.string().min(1).max(64).nullish(),
    })
    .optional(),
  gracePeriodSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});

export interface InvoiceSettings {
  seller: SellerDetails;
  gracePeriodSeconds: number;
}

const DEFAULTS: InvoiceSettings = {
  seller: { name: "Lumen seller (set with PUT /v1/settings/invoices)", email: null, address: null, taxId: null },
  gracePeriodSeconds: DEFAULT_GRACE_SECONDS,
};

export async function loadInvoiceSettings(ctx: EngineContext): Promise<InvoiceSettings> {
  return { ...DEFAULTS, ...(await loadSetting<InvoiceSettings>(ctx, "invoices")) };
}

export async function getInvoiceSettings({ ctx }: { ctx: EngineContext }): Promise<InvoiceSettings> {
  return loadInvoiceSettings(ctx);
}

/** Merges the fields given into the stored settings. */
export async function putInvoiceSettings({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  const parsed = invoiceSettingsInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    await lockSetting(ctx, "invoices");
    const current = await loadInvoiceSettings(ctx);
    const next: InvoiceSettings = {
      seller: parsed.seller
        ? {
            name: parsed.seller.name,
            email: parsed.seller.email ?? null,
            address: parsed.seller.address ?? null,
            taxId: parsed.seller.taxId ?? null,
          }
        : current.seller,
      gracePeriodSeconds: parsed.gracePeriodSeconds ?? current.gracePeriodSeconds,
    };
    await writeSetting(ctx, "invoices", next);
    return next;
  });
}
