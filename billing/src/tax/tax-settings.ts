import { countryCode, invalid } from "@lumen/core";
import { z } from "zod";
import { type EngineContext, withTransaction } from "../context";
import { loadSetting, lockSetting, writeSetting } from "../settings/settings-store";

/** `PUT /v1/settings/tax` (PRODUCT §8): fields given replace the stored ones. */
export const taxSettingsInput = z.strictObject({
  /** `builtin`: Lumen's rules (or the tax provider the process was given); `none`: no tax on invoices. */
  mode: z.enum(["builtin", "none"]).optional(),
  /** Where the seller is established: the S of the rules table. */
  origin: z.strictObject({ country: countryCode }).nullable().optional(),
  /** Registered for the EU's One-Stop Shop: EU consumers pay their own country's rate. */
  euOss: z.boolean().optional(),
  /** Prices (and so invoice lines) include their tax; otherwise tax is added on top. */
  pricesIncludeTax: z.boolean().optional(),
  /** Ask the EU's registry (VIES) about `eu_vat` ids when customers are saved; otherwise a well-formed id is trusted. */
  verifyTaxIds: z.boolean().optional(),
});

export interface TaxSettings {
  mode: "builtin" | "none";
  origin: { country: string } | null;
  euOss: boolean;
  pricesIncludeTax: boolean;
  verifyTaxIds: boolean;
}

/** A new environment computes no tax until it says where it sells from. */
const DEFAULTS: TaxSettings = {
  mode: "none",
  origin: null,
  euOss: false,
  pricesIncludeTax: false,
  verifyTaxIds: false,
};

export async function loadTaxSettings(ctx: EngineContext): Promise<TaxSettings> {
  return { ...DEFAULTS, ...(await loadSetting<TaxSettings>(ctx, "tax")) };
}

export async function getTaxSettings({ ctx }: { ctx: EngineContext }): Promise<TaxSettings> {
  return loadTaxSettings(ctx);
}

/** Merges the fields given into the stored settings; the built-in rules need the seller's country. */
export async function putTaxSettings({ ctx, input }: { ctx: EngineContext; input: unknown }): Promise<TaxSettings> {
  const parsed = taxSettingsInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    await lockSetting(ctx, "tax");
    const current = await loadTaxSettings(ctx);
    const next: TaxSettings = {
      mode: parsed.mode ?? current.mode,
      origin: parsed.origin === undefined ? current.origin : parsed.origin,
      euOss: parsed.euOss ?? current.euOss,
      pricesIncludeTax: parsed.pricesIncludeTax ?? current.pricesIncludeTax,
      verifyTaxIds: parsed.verifyTaxIds ?? current.verifyTaxIds,
    };
    if (next.mode === "builtin" && next.origin === null) {
      throw invalid("origin.country", 'is required with mode "builtin": the rules start from where the seller is');
    }
    await writeSetting(ctx, "tax", next);
    return next;
  });
}
