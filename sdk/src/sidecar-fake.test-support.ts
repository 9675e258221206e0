import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Unpackr } from "msgpackr";
import { afterEach, beforeEach } from "vitest";
import { Lumen, type LumenOptions } from "./client";

/** What the fake sidecar received: the body decoded as the real sidecar decodes it (JSON or MessagePack). */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** An answer, or `drop`: close the connection without one (a crash mid-request). */
export type FakeAnswer = { status: number; body?: unknown } | "drop";

export interface FakeSidecar {
  url: string;
  received: ReceivedRequest[];
  /** Decides each answer; the default accepts tracks (202) and allows checks. */
  answer: (request: ReceivedRequest, index: number) => FakeAnswer | Promise<FakeAnswer>;
  /** Events of every accepted `/v1/track` body, in order. */
  tracked(): Record<string, unknown>[];
  close(): Promise<void>;
}

const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false });

/** Events of a track body: one event, an array, or `{events}`. */
export function eventsOf(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object" && "events" in body)
    return (body as { events: Record<string, unknown>[] }).events;
  return [body as Record<string, unknown>];
}

export function allowedCheck(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    allowed: true,
    customer: "acme",
    feature: "api-calls",
    entity: null,
    type: "metered",
    unlimited: false,
    included: 100,
    used: 1,
    balance: 99,
    overageAllowed: false,
    usageLimit: null,
    periodStart: "2026-01-01T00:00:00.000Z",
    periodEnd: "2026-02-01T00:00:00.000Z",
    resetsAt: "2026-02-01T00:00:00.000Z",
    reason: null,
    asOf: "2026-01-10T00:00:00.000Z",
    ...overrides,
  };
}

export function defaultAnswer(request: ReceivedRequest): FakeAnswer {
  if (request.path === "/v1/track") return { status: 202, body: { queued: eventsOf(request.body).length } };
  if (request.path === "/v1/check" || request.path === "/v1/consume") return { status: 200, body: allowedCheck() };
  return { status: 404, body: { error: { code: "not_found", message: "no such route", details: [] } } };
}

/** A stand-in for the sidecar's HTTP server on a free loopback port, recording what it receives. */
export async function startFakeSidecar(): Promise<FakeSidecar> {
  const received: ReceivedRequest[] = [];
  const accepted: Record<string, unknown>[] = [];
  const fake: FakeSidecar = {
    url: "",
    received,
    answer: defaultAnswer,
    tracked: () => accepted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const contentType = req.headers["content-type"] ?? "";
    const body =
      raw.length === 0
        ? undefined
        : contentType.includes("msgpack")
          ? unpackr.unpack(raw)
          : JSON.parse(raw.toString("utf8"));
    const request: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
    received.push(request);
    const answer = await fake.answer(request, received.length - 1);
    if (answer === "drop") {
      req.socket.destroy();
      return;
    }
    if (request.path === "/v1/track" && answer.status === 202) accepted.push(...eventsOf(body));
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** A loopback URL where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * A fake sidecar per test and the clients made against it, all closed after each test: `lumenFor()` makes a client
 * of the current fake.
 */
export function useFakeSidecar(): { sidecar(): FakeSidecar; lumenFor(options?: LumenOptions): Lumen } {
  let sidecar: FakeSidecar | undefined;
  let clients: Lumen[] = [];
  beforeEach(async () => {
    sidecar = await startFakeSidecar();
  });
  afterEach(async () => {
    for (const client of clients) await client.close();
    clients = [];
    await sidecar?.close();
  });
  return {
    sidecar: () => sidecar!,
    lumenFor(options = {}) {
      const client = new Lumen({ sidecarUrl: sidecar!.url, ...options });
      clients.push(client);
      return client;
    },
  };
}
