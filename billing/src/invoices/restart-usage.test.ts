// A plan change that restarts the billing period (free → paid, or another interval) invoices the arrears usage of
// the part of the period before the change (issue 4).
import { decodeMessage, encodeMessage, QUERY_OPERATIONS } from "@lumen/core";
import type { Subscription } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { startTestPipeline, type TestPipeline } from "../../../test/support/pipeline";
import { seedCatalog } from "../../../test/support/scenario";

/** Usage the fake aggregator knows: 1000 api-calls on 2026-03-05 for each customer listed. */
const USAGE_AT = Date.parse("2026-03-05T12:00:00Z");
const asked: { customer: string; from: string; to: string }[] = [];
/** Usage events the fake aggregator counts (customer undefined: every customer). */
const usage: { customer?: string; feature: string; at: number; value: number }[] = [
  { feature: "api-calls", at: USAGE_AT, value: 1000, customer: "rv-payg-control" },
  { feature: "api-calls", at: USAGE_AT, value: 1000, customer: "rv-payg-upgrade" },
];

let billing: TestBilling;
let pipeline: TestPipeline;
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  pipeline = await startTestPipeline();
  const answer = (operation: string, respond: (request: any) => unknown) =>
    subscriptions.push(
      pipeline.nats.subscribe(pipeline.names.querySubject(operation), {
        queue: "aggregators",
        callback: (_error, message) => message.respond(encodeMessage(respond(decodeMessage(message.data)))),
      }),
    );
  answer(QUERY_OPERATIONS.periodTotals, (request: { customer: string; from: number; to: number }) => {
    asked.push({
      customer: request.customer,
      from: new Date(request.from).toISOString(),
      to: new Date(request.to).toISOString(),
    });
    const totals = new Map<string, number>();
    for (const event of usage) {
      if (event.customer !== undefined && event.customer !== request.customer) continue;
      if (request.from <= event.at && event.at < request.to) {
        totals.set(event.feature, (totals.get(event.feature) ?? 0) + event.value);
      }
    }
    return {
      totals: [...totals].map(([feature, value]) => ({ feature, entity: null, value })),
      watermark: Date.now(),
    };
  });
  answer(QUERY_OPERATIONS.readings, () => ({ readings: [], watermark: Date.now() }));
  answer(QUERY_OPERATIONS.timeseries, () => ({ points: [] }));
  answer(QUERY_OPERATIONS.events, () => ({ data: [], hasMore: false }));
  billing = await startTestBilling({ pipeline: pipeline.client });
  await seedCatalog(billing);
  await ok("POST", "/v1/plans", {
    id: "rv-payg",
    name: "Pay as you go",
    currency: "USD",
    items: [{ type: "feature", feature: "api-calls", included: 0, price: { model: "per_unit", unitAmount: "0.01" } }],
  });
});
afterAll(async () => {
  for (const subscription of subscriptions) subscription.unsubscribe();
  await billing?.close();
  await pipeline?.close();
});

async function ok(method: "GET" | "POST", url: string, body?: unknown) {
  const response = await billing.request({ method, url, body });
  if (response.status !== 200) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
async function clockedCustomer(id: string, frozenTime: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id });
  return clock.id as string;
}
async function usageLinesOf(customer: string) {
  const { data } = await ok("GET", `/v1/invoices?customer=${customer}&limit=100`);
  const lines: string[] = [];
  for (const invoice of [...data].reverse()) {
    const read = await ok("GET", `/v1/invoices/${invoice.id}`);
    for (const line of read.lines) {
      lines.push(
        `${read.billingReason} [${read.periodStart.slice(0, 10)}, ${read.periodEnd.slice(0, 10)}) ${line.type} ${line.amount}`,
      );
    }
  }
  return lines;
}

describe("usage before a period restart", () => {
  it("control: pay-as-you-go usage of March is billed at the period's close", async () => {
    const clock = await clockedCustomer("rv-payg-control", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-payg-control", plan: "rv-payg" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-04-01T01:00:00Z" });
    const lines = await usageLinesOf("rv-payg-control");
    expect(lines.some((line) => line.endsWith("usage 10.00"))).toBe(true);
  });

  it("the same usage is billed when the customer moves to a paid plan on March 10 (free → paid restarts the period)", async () => {
    const clock = await clockedCustomer("rv-payg-upgrade", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-payg-upgrade", plan: "rv-payg" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-03-10T00:00:00Z" });
    const change = await ok("POST", "/v1/attach", { customer: "rv-payg-upgrade", plan: "team", trial: false });
    expect(change.subscription).toMatchObject({ plan: "team", currentPeriodStart: "2026-03-10T00:00:00.000Z" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-05-10T01:00:00Z" });
    const lines = await usageLinesOf("rv-payg-upgrade");
    // 1000 api-calls × 0.01 used on March 5 under the pay-as-you-go plan.
    expect(lines.some((line) => line.endsWith("usage 10.00"))).toBe(true);
  });
});

describe("opening ledgers of a close", () => {
  it("two subscriptions closing at the same instant each keep their own rollover", async () => {
    await ok("POST", "/v1/features", { id: "rv-a", name: "A", type: "metered" });
    await ok("POST", "/v1/features", { id: "rv-b", name: "B", type: "metered" });
    await ok("POST", "/v1/plans", {
      id: "rv-main",
      name: "Main",
      currency: "USD",
      group: "rv-main",
      items: [
        { type: "fixed", amount: "10.00" },
        {
          type: "feature",
          feature: "rv-a",
          included: 100,
          rollover: { max: 500 },
          price: { model: "per_unit", unitAmount: "0.01" },
        },
      ],
    });
    await ok("POST", "/v1/plans", {
      id: "rv-addon",
      name: "Add-on",
      currency: "USD",
      addOn: true,
      items: [
        { type: "fixed", amount: "5.00" },
        {
          type: "feature",
          feature: "rv-b",
          included: 100,
          rollover: { max: 500 },
          price: { model: "per_unit", unitAmount: "0.01" },
        },
      ],
    });
    const april = Date.parse("2026-04-10T00:00:00Z");
    usage.push(
      { customer: "rv-rollover", feature: "rv-a", at: april, value: 150 },
      { customer: "rv-rollover", feature: "rv-b", at: april, value: 150 },
    );
    const clock = await clockedCustomer("rv-rollover", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-rollover", plan: "rv-main" });
    await ok("POST", "/v1/attach", { customer: "rv-rollover", plan: "rv-addon" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-05-01T02:00:00Z" });
    const lines = (await usageLinesOf("rv-rollover")).filter((line) => line.includes(" usage "));
    // March's unused 100 rolls over on each subscription's own feature: April's 150 of 100 + 100 bills nothing.
    expect(lines).toEqual([]);
  });
});
