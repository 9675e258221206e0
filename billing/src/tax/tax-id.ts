/** How a customer's tax id stands with the registry (VIES), when one was asked. */
export type TaxIdVerificationStatus = "verified" | "unverified" | "unavailable";

/** A customer's tax id as stored: `eu_vat` values are normalized ("DE123456789"). */
export interface TaxId {
  type: string;
  value: string;
  verification?: { status: TaxIdVerificationStatus; checkedAt: string } | null;
}
