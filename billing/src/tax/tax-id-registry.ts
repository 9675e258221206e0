/** What a registry says of a tax id: registered, not registered, or no answer (a member state's service down). */
export type RegistryAnswer = "valid" | "invalid" | "unavailable";

/** An online registry of tax ids: the EU's VIES for `eu_vat`. */
export interface TaxIdRegistry {
  /** `vatPrefix` is the id's member state prefix (EL for Greece); `number` the rest. */
  check(id: { vatPrefix: string; number: string }): Promise<RegistryAnswer>;
}

/**
 * The EU's VIES REST API: `POST {url}/check-vat-number {"countryCode", "vatNumber"}` answers `{"valid": bool, …}`
 * (https://ec.europa.eu/taxation_customs/vies/#/technical-information). Any error, a member state's service being
 * down included, or no answer within `timeoutMs` is "unavailable": the id is then trusted as well-formed.
 */
export function viesRegistry({ url, timeoutMs = 5_000 }: { url: string; timeoutMs?: number }): TaxIdRegistry {
  const endpoint = `${url.replace(/\/+$/, "")}/check-vat-number`;
  return {
    async check({ vatPrefix, number }) {
      try {
        const response = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ countryCode: vatPrefix, vatNumber: number }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) return "unavailable";
        const body = (await response.json()) as { valid?: unknown };
        if (typeof body.valid !== "boolean") return "unavailable";
        return body.valid ? "valid" : "invalid";
      } catch {
        return "unavailable";
      }
    },
  };
}
