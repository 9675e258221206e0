import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import { LumenError, readBatchEvents } from "@lumen/core";
import { acceptsMsgpack, createReply, decodeBody, type Reply, readBody } from "@lumen/core/runtime";
import { readBearer } from "../auth/credentials";
import type { IngestContext } from "../context";
import { acceptEvents } from "../events/accept-events";

type Endpoint = "track" | "batch";

/**
 * `POST /v1/track` (one event) and `POST /v1/events/batch` (PRODUCT §9), in JSON or MessagePack. Answers 202
 * once the valid events are in the stream.
 */
export function postEvents(ctx: IngestContext, endpoint: Endpoint): (res: HttpResponse, req: HttpRequest) => void {
  const limit = endpoint === "track" ? ctx.limits.trackBytes : ctx.limits.batchBytes;
  const tooLarge = new LumenError(
    "payload_too_large",
    `The body is larger than ${limit / (1024 * 1024)} MB${endpoint === "track" ? "; send many events through /v1/events/batch" : "; split the batch"}`,
  );
  return (res, req) => {
    // The request object is only valid until the handler returns or awaits: read every header now.
    const authorization = req.getHeader("authorization");
    const contentType = req.getHeader("content-type");
    const contentLength = req.getHeader("content-length");
    let release = () => {};
    const reply = createReply(res, acceptsMsgpack(req.getHeader("accept")), {
      onSent: (status) => ctx.metrics.responses.inc({ endpoint, status }),
      onFinished: () => release(),
    });
    if (contentLength !== "" && Number(contentLength) > limit) {
      reply.error(tooLarge, { closeConnection: true });
      return;
    }
    const secret = readBearer(authorization);
    if (secret === null) {
      reply.error(unauthorized(), { closeConnection: true });
      return;
    }
    // Look the key up while the body arrives.
    const env = ctx.keys.authenticate(secret);
    env.catch(() => {});
    const reading = readBody(res, { limit, budget: ctx.budget }, (result) => {
      if (reply.done) return;
      if (result.ok) void handle(result.body);
      else reply.error(result.reason === "too_large" ? tooLarge : busy(), { closeConnection: true });
    });
    release = reading.release;

    async function handle(body: Buffer): Promise<void> {
      try {
        const keyEnv = await env;
        if (keyEnv === null) throw unauthorized();
        if (reply.done) return;
        const decoded = decodeBody(body, contentType);
        if (endpoint === "track") await track(ctx, reply, keyEnv, decoded);
        else await batch(ctx, reply, keyEnv, decoded);
      } catch (error) {
        if (!(error instanceof LumenError)) ctx.logger.error({ err: error, endpoint }, "ingest request failed");
        reply.error(error);
      }
    }
  };
}

async function track(ctx: IngestContext, reply: Reply, env: "test" | "live", decoded: unknown): Promise<void> {
  const { events, rejected } = await acceptEvents({ ctx, env, raws: [decoded], pathOf: () => "" });
  const refused = rejected[0];
  if (refused) {
    ctx.metrics.eventsRejected.inc({ endpoint: "track" });
    throw new LumenError("validation_error", refused.error.message, refused.error.details);
  }
  ctx.metrics.eventsAccepted.inc({ endpoint: "track" });
  reply.send(202, { id: events[0]!.id, duplicate: false });
}

async function batch(ctx: IngestContext, reply: Reply, env: "test" | "live", decoded: unknown): Promise<void> {
  const raws = readBatchEvents(decoded);
  const { events, rejected } = await acceptEvents({ ctx, env, raws, pathOf: (index) => `events.${index}` });
  ctx.metrics.eventsAccepted.inc({ endpoint: "batch" }, events.length);
  if (rejected.length > 0) ctx.metrics.eventsRejected.inc({ endpoint: "batch" }, rejected.length);
  // Ingest cannot know yet that a key repeats: the aggregator drops repeats (PRODUCT §9), so `duplicates` is 0.
  reply.send(202, { accepted: events.length, duplicates: 0, rejected });
}

/** The server holds as many request bytes as it may: the same answer as a full publisher queue. */
export function busy(): LumenError {
  return new LumenError("rate_limited", "Ingest is holding as much data as it may; retry after a second");
}

export function unauthorized(): LumenError {
  return new LumenError("unauthorized", "Send a valid secret key: Authorization: Bearer lum_sk_…");
}
