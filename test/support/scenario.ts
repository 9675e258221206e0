import type { TestBilling } from "./billing";

/** A small catalog most tests need: the features of the pitch and three plans of one group. */
export async function seedCatalog(billing: TestBilling, { currency = "USD" }: { currency?: string } = {}) {
  const post = async (url: string, body: unknown) => {
    const response = await billing.request({ method: "POST", url, body });
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  await post("/v1/features", { id: "seats", name: "Seats", type: "gauge" });
  await post("/v1/features", { id: "advanced-analytics", name: "Advanced analytics", type: "boolean" });
  await post("/v1/features", {
    id: "premium-messages",
    name: "Premium messages",
    type: "metered",
    meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5", "o3"] } },
  });
  await post("/v1/features", { id: "api-calls", name: "API calls", type: "metered" });
  await post("/v1/plans", {
    id: "free",
    name: "Free",
    currency,
    default: true,
    items: [{ type: "feature", feature: "api-calls", included: 100, reset: "day" }],
  });
  await post("/v1/plans", {
    id: "team",
    name: "Team",
    currency,
    trialDays: 14,
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
      {
        type: "feature",
        feature: "premium-messages",
        included: 100,
        per: "seat",
        price: { model: "per_unit", unitAmount: "0.20" },
      },
      { type: "feature", feature: "advanced-analytics" },
      { type: "feature", feature: "api-calls", included: 5000, reset: "day" },
    ],
  });
  await post("/v1/plans", {
    id: "pro",
    name: "Pro",
    currency,
    items: [
      { type: "fixed", amount: "99.00" },
      { type: "feature", feature: "advanced-analytics" },
      { type: "feature", feature: "api-calls", included: "unlimited" },
    ],
  });
  await post("/v1/plans", {
    id: "extra-analytics",
    name: "Analytics add-on",
    currency,
    addOn: true,
    items: [
      { type: "fixed", amount: "5.00" },
      { type: "feature", feature: "api-calls", included: 1000, reset: "day" },
    ],
  });
}
