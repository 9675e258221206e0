import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { type Clock, canonicalJson, fixedClock, LumenError, randomToken, sha256Hex } from "@lumen/core";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";
import { jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import { appendAuditEntry } from "../audit/audit-log";
import type { EngineContext } from "../context";
import type { Pool, PoolClient } from "../db/pool";
import type { DefinitionStore } from "../definitions/definition-store";
import { publishDefinitions } from "../definitions/publish-definitions";
import type { PaymentProvider } from "../payments/payment-provider";
import type { PipelineClient } from "../pipeline/pipeline-client";
import { registerRoutes } from "../routes";
import type { TaxServices } from "../tax/tax-services";
import { createAuthenticator } from "./auth";
import { toErrorResponse } from "./error-envelope";
import { claimIdempotencyKey, completeIdempotencyKey } from "./idempotency";
import { createMetrics } from "./metrics";

export const BODY_LIMIT_BYTES = 1024 * 1024;
const PUBLIC_PATHS = new Set(["/healthz", "/readyz", "/metrics", "/openapi.json"]);
/** Called by payment providers, who prove themselves by signature, not by an API key; the event names the env. */
const PROVIDER_PATHS = new Set(["/v1/providers/stripe/webhook"]);
const isProviderPath = (url: string) => PROVIDER_PATHS.has(url.split("?")[0] ?? "");

declare module "fastify" {
  interface FastifyRequest {
    ctx: EngineContext;
    idempotencyKey?: string;
    /** A write request's transaction: its changes, its audit entry and its stored answer commit together. */
    transaction?: PoolClient;
  }
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface AppOptions {
  pool: Pool;
  clock: Clock;
  logger?: boolean;
  /** Answers whether the process's dependencies are ready (PostgreSQL, NATS). */
  ready?: () => Promise<boolean>;
  /** Where entitlement definitions are pushed after each write (NATS KV); none in some tests. */
  definitions?: DefinitionStore;
  /** The metering pipeline (track, usage queries); none in some tests. */
  pipeline?: PipelineClient;
  /** A tax provider replacing the built-in rules, and the registry `eu_vat` ids are checked with. */
  tax?: TaxServices;
  /** The payment provider (Stripe) when the process has its keys. */
  payments?: PaymentProvider;
}

export type LumenApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export async function buildApp({
  pool,
  clock,
  logger = false,
  ready,
  definitions,
  pipeline,
  tax,
  payments,
}: AppOptions): Promise<LumenApp> {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => `req_${randomToken(16)}`,
    requestIdHeader: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.decorateRequest("ctx", null as unknown as EngineContext);

  // Verbs parse their own input with their zod schemas (one place for validation, same errors from every
  // caller); the route schemas describe the API in /openapi.json.
  app.setValidatorCompiler(() => (value) => ({ value }));

  await app.register(swagger, {
    openapi: {
      info: { title: "Lumen billing API", version: "1.0.0", description: "Billing, metering and entitlements." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  const authenticate = createAuthenticator(pool);
  const metrics = createMetrics();

  app.addHook("onRequest", async (request, reply) => {
    reply.header("Request-Id", request.id);
    const path = request.url.split("?")[0] ?? "";
    if (PUBLIC_PATHS.has(path) || path === "/docs" || path.startsWith("/docs/")) return;
    const identity = PROVIDER_PATHS.has(path)
      ? { env: "test" as const, keyId: "provider" }
      : await authenticate(request.headers.authorization);
    request.ctx = {
      pool,
      env: identity.env,
      clock,
      actor: identity.keyId,
      ...(pipeline ? { pipeline } : {}),
      ...(tax ? { tax } : {}),
      ...(payments ? { payments } : {}),
    };
  });

  app.addHook("preHandler", async (request, reply) => {
    // Providers' calls are not the API's: no Idempotency-Key (they bring their own event ids), no request
    // transaction or audit entry under a key's environment (the handler finds the environment and records history).
    if (request.method !== "POST" || isProviderPath(request.url)) return;
    const header = request.headers["idempotency-key"];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 255) {
      throw new LumenError("validation_error", "Idempotency-Key must be 1 to 255 characters", [
        { path: "Idempotency-Key", message: "must be 1 to 255 characters" },
      ]);
    }
    const requestHash = sha256Hex(canonicalJson({ path: request.url, body: request.body ?? null }));
    const outcome = await claimIdempotencyKey(pool, { env: request.ctx.env, key, requestHash });
    if (outcome.kind === "replay") {
      reply.header("Idempotent-Replayed", "true").header("content-type", "application/json; charset=utf-8");
      reply.code(outcome.status).send(outcome.body);
      return reply;
    }
    request.idempotencyKey = key;
  });

  // Each write runs in one transaction opened here and finished in onSend (verbs reuse it through ctx.tx).
  app.addHook("preHandler", async (request) => {
    if (!WRITE_METHODS.has(request.method) || !request.ctx || request.transaction || isProviderPath(request.url))
      return;
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
    } catch (error) {
      client.release();
      throw error;
    }
    request.transaction = client;
    request.ctx = { ...request.ctx, tx: client, clock: fixedClock(clock.now()) };
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const body = typeof payload === "string" ? payload : "";
    const isWrite = WRITE_METHODS.has(request.method);
    const succeeded = reply.statusCode < 300;
    const transaction = request.transaction;
    request.transaction = undefined;
    if (transaction) {
      try {
        if (succeeded) {
          // The answer, the audit entry and the write commit together: no write without its entry, and a
          // retry after a crash finds either everything or nothing.
          if (request.idempotencyKey) {
            await completeIdempotencyKey(transaction, {
              env: request.ctx.env,
              key: request.idempotencyKey,
              status: reply.statusCode,
              body,
            });
          }
          await appendAuditEntry(transaction, {
            env: request.ctx.env,
            at: clock.now(),
            keyId: request.ctx.actor,
            method: request.method,
            path: request.url.split("?")[0] ?? request.url,
            status: reply.statusCode,
            requestId: request.id,
            bodyHash: request.body === undefined ? null : sha256Hex(canonicalJson(request.body)),
          });
          await transaction.query("COMMIT");
        } else {
          await transaction.query("ROLLBACK");
        }
      } catch (error) {
        await transaction.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        transaction.release();
      }
    }
    // A rejected request changed nothing; its answer is stored on its own (a 5xx releases the key instead).
    if (request.idempotencyKey && !(transaction && succeeded)) {
      await completeIdempotencyKey(pool, {
        env: request.ctx.env,
        key: request.idempotencyKey,
        status: reply.statusCode,
        body,
      });
    }
    // Push changed definitions before answering, so that a check right after a write sees it.
    if (isWrite && definitions && reply.statusCode < 300) {
      await publishDefinitions({ pool, clock, store: definitions }).catch((error) =>
        request.log.error({ err: error }, "definition push failed; the timer retries"),
      );
    }
    return payload;
  });

  // A request that ends without onSend (a dropped connection) gives its transaction back unfinished.
  const abandon = async (request: { transaction?: PoolClient }) => {
    const transaction = request.transaction;
    if (!transaction) return;
    request.transaction = undefined;
    await transaction.query("ROLLBACK").catch(() => {});
    transaction.release();
  };
  app.addHook("onRequestAbort", abandon);

  app.addHook("onResponse", async (request, reply) => {
    await abandon(request);
    metrics.observe(request.routeOptions.url ?? "unmatched", request.method, reply.statusCode, reply.elapsedTime);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error, request.id);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    if (status === 429) reply.header("Retry-After", "1");
    reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const { status, body } = toErrorResponse(
      new LumenError("not_found", `No route ${request.method} ${request.url.split("?")[0]}`),
      request.id,
    );
    reply.code(status).send(body);
  });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok", component: "billing" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const ok = ready ? await ready().catch(() => false) : true;
    reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not_ready" });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", metrics.contentType).send(await metrics.render());
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  registerRoutes(app);
  await app.ready();
  return app;
}
