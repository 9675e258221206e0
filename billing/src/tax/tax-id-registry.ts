/** What a registry says of a tax id: registered, not registered, or no answer (a member state's service down). */
export type RegistryAnswer = "valid" | "invalid" | "unavailable";

/** An online registry of tax ids: the EU's VIES for `eu_vat`. */
export interface TaxIdRegistry {
  /** `vatPrefix` is the id's member state prefix (EL for Greece); `number` the rest. */
  check(id: { vatPrefix: string; number: string }): Promise<RegistryAnswer>;
}

/**
 * The EU's VIES REST API: `POST {url}/check-vat-number {"countryCode", "vatNumber"}` answers `{"valid": bool, …}`
 * (https://ec.europa.eu/taxation_customs/vies/#/technical-information). A member state's service being down comes
 * back as `valid: false` with a `userError` (MS_UNAVAILABLE, TIMEOUT, MS_MAX_CONCURRENT_REQ, …): that, any other
 * error, or no answer within `timeoutMs` is "unavailable", and the id is then trusted as well-formed. Only
 * `valid: false` without an error (or with `userError: "INVALID"`) means not registered.
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
        const body = (await response.json()) as { valid?: unknown; userError?: unknown; actionSucceed?: unknown };
        if (typeof body.valid !== "boolean" || body.actionSucceed === false) return "unavailable";
        if (body.valid) return "valid";
        return body.userError === undefined || body.userError === "INVALID" ? "invalid" : "unavailable";
      } catch {
        return "unavailable";
      }
    },
  };
}
