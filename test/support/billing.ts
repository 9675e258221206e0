import { type Clock, systemClock } from "@lumen/core";
import type { EngineContext, Env } from "../../billing/src/context";
import type { DefinitionStore } from "../../billing/src/definitions/definition-store";
import { buildApp, type LumenApp } from "../../billing/src/http/app";
import { registerKey } from "../../billing/src/keys/api-keys";
import type { PaymentProvider } from "../../billing/src/payments/payment-provider";
import type { PipelineClient } from "../../billing/src/pipeline/pipeline-client";
import type { TaxServices } from "../../billing/src/tax/tax-services";
import { createTestDatabase, type TestDatabase } from "./database";

export const TEST_KEY = "lum_sk_test_harnesskey0000000000000001";
export const LIVE_KEY = "lum_sk_live_harnesskey0000000000000001";

export interface TestBilling {
  app: LumenApp;
  database: TestDatabase;
  /** A verb context in the test environment (for tests that call verbs directly). */
  ctx(env?: Env): EngineContext;
  request(options: {
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    url: string;
    body?: unknown;
    key?: string | null;
    headers?: Record<string, string>;
  }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The billing API on its own fresh database, driven in-process through Fastify's inject. */
export async function startTestBilling({
  clock = systemClock,
  definitions,
  pipeline,
  tax,
  payments,
}: {
  clock?: Clock;
  definitions?: DefinitionStore;
  pipeline?: PipelineClient;
  /** A tax provider or a tax id registry for the app (the built-in rules and no registry by default). */
  tax?: TaxServices;
  /** The payment provider (a Stripe provider talking to the fake Stripe server). */
  payments?: PaymentProvider;
} = {}): Promise<TestBilling> {
  const database = await createTestDatabase();
  await registerKey(database.pool, TEST_KEY, "test");
  await registerKey(database.pool, LIVE_KEY, "test");
  const app = await buildApp({
    pool: database.pool,
    clock,
    ...(definitions ? { definitions } : {}),
    ...(pipeline ? { pipeline } : {}),
    ...(tax ? { tax } : {}),
    ...(payments ? { payments } : {}),
  });
  return {
    app,
    database,
    ctx: (env = "test") => ({
      pool: database.pool,
      env,
      clock,
      actor: "test",
      ...(pipeline ? { pipeline } : {}),
      ...(tax ? { tax } : {}),
      ...(payments ? { payments } : {}),
    }),
    async request({ method, url, body, key = TEST_KEY, headers = {} }) {
      const response = await app.inject({
        method,
        url,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        payload: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      let parsed: unknown = response.body;
      try {
        parsed = JSON.parse(response.body);
      } catch {}
      return { status: response.statusCode, body: parsed, headers: response.headers };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
