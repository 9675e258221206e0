// `eu_vat` ids asked of the EU's registry (VIES, a fake on loopback) when `verifyTaxIds` is on (PRODUCT §8).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeVies } from "../../../test/support/fake-vies";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { type TaxIdRegistry, viesRegistry } from "./tax-id-registry";

let vies: Awaited<ReturnType<typeof startFakeVies>>;
beforeAll(async () => {
  vies = await startFakeVies(["FR40303265045", "EL094014201"]);
});
afterAll(() => vies.close());

/** The app's registry reaches the fake, started before the app's first request. */
const registry: TaxIdRegistry = { check: (id) => viesRegistry({ url: vies.url, timeoutMs: 300 }).check(id) };
const { call, ok } = useSeededBilling({ tax: { registry } });

async function invoiceOf(id: string, taxId: string) {
  const customer = await ok("POST", "/v1/customers", {
    id,
    currency: "EUR",
    address: { country: "FR" },
    taxIds: [{ type: "eu_vat", value: taxId }],
  });
  const { invoice } = await ok("POST", "/v1/attach", { customer: id, plan: "vies-fee", trial: false });
  return { customer, invoice };
}

describe("VIES", () => {
  beforeAll(async () => {
    const items = [{ type: "fixed", amount: "100.00" }];
    await ok("POST", "/v1/plans", { id: "vies-fee", name: "Fee", currency: "EUR", group: "vies", items });
  });

  it("trusts a well-formed id without asking while verifyTaxIds is off (the default)", async () => {
    await ok("PUT", "/v1/settings/tax", { mode: "builtin", origin: { country: "DE" }, verifyTaxIds: false });
    const { customer, invoice } = await invoiceOf("vies-off", "FR12345678901");
    expect(vies.state.requests).toEqual([]);
    expect(customer.taxIds[0].verification).toBeUndefined();
    expect(invoice.taxNotes).toContain("Reverse charge");
  });

  it("a registered id is verified and bought as a business: reverse charge", async () => {
    await ok("PUT", "/v1/settings/tax", { verifyTaxIds: true });
    const { customer, invoice } = await invoiceOf("vies-registered", "FR40303265045");
    expect(vies.state.requests.at(-1)).toEqual({ countryCode: "FR", vatNumber: "40303265045" });
    expect(customer.taxIds[0].verification).toMatchObject({ status: "verified" });
    expect(invoice).toMatchObject({ taxTotal: "0.00", taxNotes: ["Reverse charge", "Customer VAT ID: FR40303265045"] });
    // The ids sent back as read (with their verification) are accepted; the stored answer is kept, not asked again.
    const asked = vies.state.requests.length;
    const patched = await ok("PATCH", "/v1/customers/vies-registered", {
      taxIds: [...customer.taxIds, { type: "us_ein", value: "12-3456789" }],
    });
    expect(patched.taxIds).toEqual([
      { type: "eu_vat", value: "FR40303265045", verification: customer.taxIds[0].verification },
      { type: "us_ein", value: "12-3456789" },
    ]);
    expect(vies.state.requests.length).toBe(asked);
  });

  it("an unregistered id is kept but unverified: the customer pays VAT as a consumer", async () => {
    await ok("PUT", "/v1/settings/tax", { verifyTaxIds: true, euOss: false });
    const { customer, invoice } = await invoiceOf("vies-unregistered", "FR12345678901");
    expect(customer.taxIds[0]).toMatchObject({ value: "FR12345678901", verification: { status: "unverified" } });
    expect(invoice).toMatchObject({ taxTotal: "19.00", taxNotes: [] });
  });

  it("a registry that is down or silent leaves the id unavailable, and the well-formed id is trusted", async () => {
    await ok("PUT", "/v1/settings/tax", { verifyTaxIds: true });
    vies.state.mode = "down";
    const down = await invoiceOf("vies-down", "FR98765432109");
    expect(down.customer.taxIds[0].verification).toMatchObject({ status: "unavailable" });
    expect(down.invoice.taxNotes).toContain("Reverse charge");
    vies.state.mode = "error";
    const error = await invoiceOf("vies-error", "FR98765432110");
    expect(error.customer.taxIds[0].verification).toMatchObject({ status: "unavailable" });
    vies.state.mode = "silent";
    const started = Date.now();
    const silent = await ok("POST", "/v1/customers", {
      id: "vies-silent",
      taxIds: [{ type: "eu_vat", value: "EL094014201" }],
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(silent.taxIds[0].verification).toMatchObject({ status: "unavailable" });
    vies.state.mode = "up";
    // Asked again when the id is saved again, since the last answer was none.
    const patched = await ok("PATCH", "/v1/customers/vies-silent", {
      taxIds: [{ type: "eu_vat", value: "EL 094 014 201" }],
    });
    expect(patched.taxIds[0]).toMatchObject({ value: "EL094014201", verification: { status: "verified" } });
    expect(vies.state.requests.at(-1)).toEqual({ countryCode: "EL", vatNumber: "094014201" });
  });

  it("does not ask about a malformed id: it is refused first", async () => {
    const before = vies.state.requests.length;
    const refused = await call("POST", "/v1/customers", { id: "vies-bad", taxIds: [{ type: "eu_vat", value: "FR1" }] });
    expect(refused.status).toBe(400);
    expect(vies.state.requests.length).toBe(before);
  });
});
