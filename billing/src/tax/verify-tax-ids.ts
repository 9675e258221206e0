import { checkEuVatId } from "@lumen/core";
import type { EngineContext } from "../context";
import type { TaxId } from "./tax-id";
import { loadTaxSettings } from "./tax-settings";

/**
 * The tax ids as they will be stored: with `verifyTaxIds` on and a registry given to the process, each `eu_vat` id is
 * asked about once (an answer already stored for the same value is kept). "unverified" (not registered) makes the
 * customer a consumer for the rules; "unavailable" trusts the well-formed id, as when nothing is checked.
 */
export async function verifyTaxIds({
  ctx,
  taxIds,
  known = [],
}: {
  ctx: EngineContext;
  taxIds: readonly TaxId[];
  /** The ids stored before: their answers are reused. */
  known?: readonly TaxId[];
}): Promise<TaxId[]> {
  // An answer stored for the same id stays with it, whether or not the registry is asked now.
  const withKnown = taxIds.map((taxId): TaxId => {
    const before = known.find((old) => old.type === taxId.type && old.value === taxId.value)?.verification;
    return before ? { ...taxId, verification: before } : taxId;
  });
  const registry = ctx.tax?.registry;
  if (!registry || !taxIds.some((taxId) => taxId.type === "eu_vat")) return withKnown;
  if (!(await loadTaxSettings(ctx)).verifyTaxIds) return withKnown;
  const checkedAt = ctx.clock.now().toISOString();
  return Promise.all(
    withKnown.map(async (taxId): Promise<TaxId> => {
      if (taxId.type !== "eu_vat") return taxId;
      if (taxId.verification && taxId.verification.status !== "unavailable") return taxId;
      const checked = checkEuVatId(taxId.value);
      if (!checked.ok) return taxId;
      const answer = await registry.check({ vatPrefix: checked.value.slice(0, 2), number: checked.value.slice(2) });
      const status = answer === "valid" ? "verified" : answer === "invalid" ? "unverified" : "unavailable";
      return { ...taxId, verification: { status, checkedAt } };
    }),
  );
}
