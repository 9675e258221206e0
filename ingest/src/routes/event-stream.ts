import type { TemplatedApp, WebSocket } from "uWebSockets.js";
import { HTTP_STATUS_OF, type LumenEnv, LumenError, readBatchEvents } from "@lumen/core";
import { asLumenError, createReply, decodeMsgpack, errorBody } from "@lumen/core/runtime";
import { readBearer } from "../auth/credentials";
import type { IngestContext } from "../context";
import { acceptEvents } from "../events/accept-events";
import { busy, unauthorized } from "./post-events";

/** Per connection. */
export interface StreamConnection {
  secret: string;
  env: LumenEnv;
  /** Frames received so far; the n-th frame is answered with `seq: n`. */
  seq: number;
  pendingFrames: number;
  pendingEvents: number;
  /** Answers leave in frame order: each waits for the previous one. */
  tail: Promise<void>;
  closed: boolean;
}

type FrameAnswer =
  | { seq: number; accepted: number; duplicates: number; rejected: unknown[] }
  | { seq: number; error: ReturnType<typeof errorBody> };

const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_POLICY_VIOLATION = 1008;

/**
 * The WebSocket `/v1/events/stream` (PRODUCT §9). The key is checked at the upgrade, from
 * `Authorization: Bearer …` or, for clients that cannot set headers (browsers), `?key=lum_sk_…`; it is
 * checked again (through the cache) for every frame, so a revoked key stops working within seconds.
 * Each binary frame is a MessagePack batch (an array of events, or `{"events": [...]}`, ≤ 1000 events);
 * each is answered, in order, with a JSON text frame once its events are durable. A bad frame gets
 * `{"seq": n, "error": {...}}` and the connection stays open. A client with more than
 * `limits.streamPendingFrames` frames or `limits.streamPendingEvents` events unanswered is closed with 1013.
 */
export function registerEventStream(
  app: TemplatedApp,
  ctx: IngestContext,
  connections: Set<WebSocket<StreamConnection>>,
): void {
  app.ws<StreamConnection>("/v1/events/stream", {
    maxPayloadLength: ctx.limits.batchBytes,
    maxBackpressure: 4 * 1024 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade(res, req, context) {
      const key = req.getHeader("sec-websocket-key");
      const protocol = req.getHeader("sec-websocket-protocol");
      const extensions = req.getHeader("sec-websocket-extensions");
      const secret = readBearer(req.getHeader("authorization")) ?? (req.getQuery("key") || null);
      const reply = createReply(res, false, {
        onSent: (status) => ctx.metrics.responses.inc({ endpoint: "stream", status }),
      });
      if (secret === null) {
        reply.error(unauthorized());
        return;
      }
      ctx.keys.authenticate(secret).then(
        (env) => {
          if (reply.done) return;
          if (env === null) {
            reply.error(unauthorized());
            return;
          }
          const connection: StreamConnection = {
            secret,
            env,
            seq: 0,
            pendingFrames: 0,
            pendingEvents: 0,
            tail: Promise.resolve(),
            closed: false,
          };
          res.cork(() => res.upgrade(connection, key, protocol, extensions, context));
        },
        (error: unknown) => {
          ctx.logger.error({ err: error }, "key lookup failed at a WebSocket upgrade");
          reply.error(error);
        },
      );
    },
    open(ws) {
      connections.add(ws);
    },
    message(ws, message, isBinary) {
      const connection = ws.getUserData();
      const seq = ++connection.seq;
      // Decode now: uWS neuters `message` when this callback returns.
      let raws: unknown[] | LumenError;
      try {
        if (!isBinary) throw new LumenError("validation_error", "Frames must be binary MessagePack batches");
        raws = readBatchEvents(decodeMsgpack(new Uint8Array(message)));
      } catch (error) {
        raws = asLumenError(error);
      }
      const events = Array.isArray(raws) ? raws.length : 0;
      if (
        connection.pendingFrames + 1 > ctx.limits.streamPendingFrames ||
        connection.pendingEvents + events > ctx.limits.streamPendingEvents
      ) {
        connection.closed = true;
        ws.end(CLOSE_TRY_AGAIN_LATER, "Too many frames wait for an answer; wait for answers before sending more");
        return;
      }
      // The frame's bytes stand for its decoded events in the server's budget until it is answered.
      let taken = 0;
      let answer: Promise<FrameAnswer>;
      if (!Array.isArray(raws)) {
        answer = failed(seq, raws);
      } else if (!ctx.budget.tryTake(message.byteLength)) {
        answer = failed(seq, busy());
      } else {
        taken = message.byteLength;
        answer = answerFrame(ctx, connection, seq, raws);
      }
      connection.pendingFrames++;
      connection.pendingEvents += events;
      connection.tail = connection.tail
        .then(() => answer)
        .then((body) => {
          ctx.budget.giveBack(taken);
          connection.pendingFrames--;
          connection.pendingEvents -= events;
          ctx.metrics.responses.inc({
            endpoint: "stream",
            status: "error" in body ? HTTP_STATUS_OF[body.error.code] : 202,
          });
          if (connection.closed) return;
          ws.cork(() => {
            // 2: dropped, the client does not read its answers: it would lose track of which frames landed.
            if (ws.send(JSON.stringify(body), false) === 2) {
              connection.closed = true;
              ws.end(CLOSE_TRY_AGAIN_LATER, "Answers are not being read");
            } else if ("error" in body && body.error.code === "unauthorized") {
              connection.closed = true;
              ws.end(CLOSE_POLICY_VIOLATION, "The API key is no longer valid");
            }
          });
        });
    },
    close(ws) {
      ws.getUserData().closed = true;
      connections.delete(ws);
    },
  });
}

async function answerFrame(
  ctx: IngestContext,
  connection: StreamConnection,
  seq: number,
  raws: unknown[],
): Promise<FrameAnswer> {
  try {
    if ((await ctx.keys.authenticate(connection.secret)) === null) throw unauthorized();
    const { events, rejected } = await acceptEvents({
      ctx,
      env: connection.env,
      raws,
      pathOf: (index) => `events.${index}`,
    });
    ctx.metrics.eventsAccepted.inc({ endpoint: "stream" }, events.length);
    if (rejected.length > 0) ctx.metrics.eventsRejected.inc({ endpoint: "stream" }, rejected.length);
    return { seq, accepted: events.length, duplicates: 0, rejected };
  } catch (error) {
    if (!(error instanceof LumenError)) ctx.logger.error({ err: error }, "stream frame failed");
    return failed(seq, asLumenError(error));
  }
}

function failed(seq: number, error: LumenError): Promise<FrameAnswer> {
  return Promise.resolve({ seq, error: errorBody(error) });
}
