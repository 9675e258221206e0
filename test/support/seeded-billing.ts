import { afterAll, beforeAll } from "vitest";
import type { PaymentProvider } from "../../billing/src/payments/payment-provider";
import type { TaxServices } from "../../billing/src/tax/tax-services";
import { startTestBilling, type TestBilling } from "./billing";
import { startFakeAggregator } from "./fake-aggregator";
import { startTestPipeline, type TestPipeline } from "./pipeline";
import { seedCatalog } from "./scenario";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A billing API with the seeded catalog for one test file: started before its tests, closed after them. Its
 * pipeline is a stream of the file's own with a fake aggregator that knows no usage (period closes count none).
 * `call` answers any status; `ok` throws unless the answer is 200 and returns the body.
 */
export function useSeededBilling({
  tax,
  payments,
}: {
  tax?: TaxServices;
  /** Given lazily: a fake server started in the file's beforeAll is not up yet when this is called. */
  payments?: () => PaymentProvider;
} = {}) {
  let billing: TestBilling | undefined;
  let pipeline: TestPipeline | undefined;
  let aggregator: ReturnType<typeof startFakeAggregator> | undefined;
  beforeAll(async () => {
    pipeline = await startTestPipeline();
    aggregator = startFakeAggregator(pipeline.nats, pipeline.names);
    billing = await startTestBilling({
      pipeline: pipeline.client,
      ...(tax ? { tax } : {}),
      ...(payments ? { payments: payments() } : {}),
    });
    await seedCatalog(billing);
  });
  afterAll(async () => {
    await billing?.close();
    aggregator?.stop();
    await pipeline?.close();
  });
  const current = () => {
    if (!billing) throw new Error("useSeededBilling: the billing API is not started yet (use it inside tests)");
    return billing;
  };
  const call = (method: Method, url: string, body?: unknown, key?: string) =>
    current().request({ method, url, body, ...(key ? { key } : {}) });
  const ok = async (method: Method, url: string, body?: unknown) => {
    const response = await call(method, url, body);
    if (response.status !== 200)
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  return {
    get billing() {
      return current();
    },
    call,
    ok,
  };
}
