import type { TaxIdRegistry } from "./tax-id-registry";
import type { TaxProvider } from "./tax-provider";

/** What a billing process is given for tax: both optional, with the built-in rules and no registry by default. */
export interface TaxServices {
  /** Replaces the built-in rules (an external tax service). */
  provider?: TaxProvider;
  /** Checks `eu_vat` ids when the environment's `verifyTaxIds` is on (VIES). */
  registry?: TaxIdRegistry;
}
