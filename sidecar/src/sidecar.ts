import {
  type CheckResponse,
  type CheckResult,
  type CommitReservationReply,
  checkResponseOf,
  type LumenEnv,
  LumenError,
  newId,
  type OwnerCheckReply,
  QUERY_OPERATIONS,
  type ReservationReply,
  summarizeUsage,
} from "@lumen/core";
import { LRUCache } from "lru-cache";
import { memoizedCheck } from "./cache/check-memo";
import type { CustomerCache } from "./cache/customer-cache";
import {
  addOwnEvent,
  asOfOf,
  balanceStateOf,
  type CustomerEntry,
  type OwnEvent,
  removeOwnEvent,
} from "./cache/customer-entry";
import type { SideTables } from "./cache/side-tables";
import type { OwnerClient } from "./owner/owner-client";
import {
  type CheckInput,
  parseCheckInput,
  parseCommitInput,
  parseReleaseInput,
  parseReserveInput,
  type WhoInput,
} from "./requests/parse-requests";
import { type TrackAnswer, trackEvents } from "./track/track-events";
import type { TrackQueue } from "./track/track-queue";

export interface SidecarRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The decoded body (JSON or MessagePack), undefined without one. */
  body: unknown;
}

export interface SidecarResponse {
  status: number;
  body: unknown;
  /** The JSON text of `body` when a cache already holds it (the HTTP server sends it as is). */
  json?: string;
}

/** Whether the sidecar is cut off from NATS, and since when (PRODUCT §9: stale answers say so). */
export interface Staleness {
  stale: boolean;
}

export interface SidecarDeps {
  env: LumenEnv;
  cache: CustomerCache;
  tables: SideTables;
  queue: TrackQueue;
  owner: OwnerClient;
  staleness: Staleness;
  /** Wall clock (ms). */
  now: () => number;
}

const USAGE_PATH = /^\/v1\/customers\/([^/]+)\/usage$/;
const RESERVATION_ACTION_PATH = /^\/v1\/reservations\/([^/]+)\/(commit|release)$/;

/**
 * The sidecar's endpoints (PRODUCT §9) as one function of a decoded request, shared by the HTTP server and the
 * SDK's embedded mode. A check of a cached customer answers synchronously (no promise): the hot path.
 */
export class Sidecar {
  /** Reservation id → customer, for the reservations made through this sidecar. */
  private readonly reservations = new LRUCache<string, string>({ max: 100_000 });

  constructor(private readonly deps: SidecarDeps) {}

  handle(request: SidecarRequest): SidecarResponse | Promise<SidecarResponse> {
    try {
      const { method, path, body } = request;
      if (method === "POST") {
        if (path === "/v1/check") return this.check(body);
        if (path === "/v1/consume") return this.consume(parseCheckInput(body));
        if (path === "/v1/track") return this.track(body);
        if (path === "/v1/reservations") return this.reserve(body);
        const action = RESERVATION_ACTION_PATH.exec(path);
        if (action) return this.reservationAction(decodePathId(action[1]!), action[2] as "commit" | "release", body);
      }
      if (method === "GET") {
        const usage = USAGE_PATH.exec(path);
        if (usage) return this.usage(decodePathId(usage[1]!));
      }
      return errorResponse(new LumenError("not_found", `No route ${method} ${path}`));
    } catch (error) {
      return errorResponse(error);
    }
  }

  private check(body: unknown): SidecarResponse | Promise<SidecarResponse> {
    const input = parseCheckInput(body);
    if (input.consume) return this.consume(input);
    const who = this.resolveNow(input);
    const entry = who ? this.deps.cache.peek(this.deps.env, who.customer) : undefined;
    if (who && entry) return this.checkCached(entry, input, who.entity);
    return (async () => {
      try {
        const resolved = who ?? (await this.resolve(input));
        const loaded = await this.deps.cache.get(this.deps.env, resolved.customer);
        return this.checkCached(loaded, input, resolved.entity);
      } catch (error) {
        return errorResponse(error);
      }
    })();
  }

  private checkCached(entry: CustomerEntry, input: CheckInput, entity: string | null): SidecarResponse {
    const now = this.deps.now();
    const result = memoizedCheck({
      entry,
      feature: input.feature,
      entity,
      quantity: input.quantity,
      at: this.customerNow(entry, now),
      now,
    });
    const asOf = asOfOf(entry, now);
    const stale = this.deps.staleness.stale;
    // The same memoized result answered again: the same text (formatting is most of a warm check's cost).
    const key = entity === null ? input.feature : `${input.feature}\u0000${entity}`;
    const held = entry.answers.get(key);
    if (held && held.result === result && held.asOf === asOf && held.stale === stale) {
      return { status: 200, body: held.body, json: held.json };
    }
    const body = this.respond(result, entry.customer, input.feature, entity, asOf);
    const json = JSON.stringify(body);
    if (entry.answers.size >= 64) entry.answers.clear();
    entry.answers.set(key, { result, asOf, stale, body, json });
    return { status: 200, body, json };
  }

  private async consume(input: CheckInput): Promise<SidecarResponse> {
    try {
      const { customer, entity } = await this.resolve(input);
      // PRODUCT §9: events queued here reach the owner before a later consume through this sidecar is decided.
      const appliedThrough = await this.deps.queue.settledSequence(this.deps.env, customer);
      const eventId = newId("evt");
      const reply = await this.deps.owner.request<OwnerCheckReply>(this.deps.env, customer, QUERY_OPERATIONS.consume, {
        env: this.deps.env,
        customer,
        feature: input.feature,
        entity,
        quantity: input.quantity,
        eventId,
        idempotencyKey: input.idempotencyKey,
        appliedThrough,
      });
      if (reply.result.allowed && reply.eventId !== null && reply.sequence !== undefined) {
        const now = this.deps.now();
        this.countOwn(customer, {
          id: reply.eventId,
          usage: [{ feature: input.feature, entity, quantity: input.quantity }],
          sequence: reply.sequence,
          trackedAt: now,
          confirmedAt: now,
        });
      }
      return { status: 200, body: this.respond(reply.result, customer, input.feature, entity, reply.asOf) };
    } catch (error) {
      return errorResponse(error);
    }
  }

  private track(body: unknown): SidecarResponse | Promise<SidecarResponse> {
    const answer = trackEvents({
      body,
      env: this.deps.env,
      cache: this.deps.cache,
      tables: this.deps.tables,
      queue: this.deps.queue,
      now: this.deps.now(),
      countOwn: (customer, own) => this.countOwn(customer, own),
    });
    const toResponse = (result: TrackAnswer): SidecarResponse => ({
      status: 202,
      body:
        result.rejected.length > 0 ? { queued: result.queued, rejected: result.rejected } : { queued: result.queued },
    });
    return answer instanceof Promise ? answer.then(toResponse, errorResponse) : toResponse(answer);
  }

  private async reserve(body: unknown): Promise<SidecarResponse> {
    try {
      const input = parseReserveInput(body);
      const { customer, entity } = await this.resolve(input);
      const appliedThrough = await this.deps.queue.settledSequence(this.deps.env, customer);
      const id = newId("rsv");
      const reply = await this.deps.owner.request<ReservationReply>(this.deps.env, customer, QUERY_OPERATIONS.reserve, {
        env: this.deps.env,
        customer,
        feature: input.feature,
        entity,
        quantity: input.quantity,
        ttlSeconds: input.ttlSeconds,
        id,
        appliedThrough,
      });
      if (reply.allowed) {
        this.reservations.set(reply.reservation.id, customer);
        // Reserved units count against the balance here at once (PRODUCT §9), until commit, release or the TTL.
        const now = this.deps.now();
        this.countOwn(customer, {
          id: reply.reservation.id,
          usage: [{ feature: input.feature, entity, quantity: input.quantity }],
          sequence: null,
          trackedAt: now,
          holdUntil: now + input.ttlSeconds * 1000,
        });
      }
      const check = this.respond(reply.result, customer, input.feature, entity, reply.reservation.createdAt);
      return {
        status: 200,
        body: {
          id: reply.reservation.id,
          allowed: reply.allowed,
          expiresAt: reply.allowed ? new Date(reply.reservation.expiresAt).toISOString() : null,
          customer,
          feature: input.feature,
          entity,
          quantity: input.quantity,
          check,
        },
      };
    } catch (error) {
      return errorResponse(error);
    }
  }

  private async reservationAction(id: string, action: "commit" | "release", body: unknown): Promise<SidecarResponse> {
    try {
      const { quantity } = action === "commit" ? parseCommitInput(body) : parseReleaseInput(body);
      const customer = this.reservations.get(id) ?? (await this.deps.tables.reservationCustomer(this.deps.env, id));
      if (customer === null) throw new LumenError("not_found", `No reservation with id '${id}'`);
      const request = { env: this.deps.env, customer, id, ...(quantity === null ? {} : { quantity }) };
      if (action === "release") {
        const reply = await this.deps.owner.request<ReservationReply>(
          this.deps.env,
          customer,
          QUERY_OPERATIONS.releaseReservation,
          request,
        );
        this.forgetOwn(customer, id);
        return { status: 200, body: { id, status: reply.reservation.status } };
      }
      const reply = await this.deps.owner.request<CommitReservationReply>(
        this.deps.env,
        customer,
        QUERY_OPERATIONS.commitReservation,
        request,
      );
      const { feature, entity } = reply.reservation;
      this.forgetOwn(customer, id);
      if (reply.eventId !== null && reply.sequence !== undefined && quantity !== null && quantity > 0) {
        const now = this.deps.now();
        this.countOwn(customer, {
          id: reply.eventId,
          usage: [{ feature, entity, quantity }],
          sequence: reply.sequence,
          trackedAt: now,
          confirmedAt: now,
        });
      }
      return {
        status: 200,
        body: { id, status: "committed", check: this.respond(reply.result, customer, feature, entity, reply.asOf) },
      };
    } catch (error) {
      return errorResponse(error);
    }
  }

  private async usage(id: string): Promise<SidecarResponse> {
    try {
      const { customer } = await this.resolve({ customer: null, user: id, entity: null });
      const entry = await this.deps.cache.get(this.deps.env, customer);
      if (!entry.definition?.exists) throw new LumenError("not_found", `No customer with id '${id}'`);
      const now = this.deps.now();
      const features = summarizeUsage({ state: balanceStateOf(entry, now), at: this.customerNow(entry, now) });
      const body: Record<string, unknown> = { customer, features, asOf: new Date(asOfOf(entry, now)).toISOString() };
      if (this.deps.staleness.stale) body.stale = true;
      return { status: 200, body };
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** Counts an event of this sidecar in the customer's balances at once (read your own writes). */
  private countOwn(customer: string, own: OwnEvent): void {
    const entry = this.deps.cache.peek(this.deps.env, customer);
    if (entry) {
      addOwnEvent(entry, own);
      this.deps.cache.touch(entry);
      return;
    }
    void this.deps.cache.get(this.deps.env, customer).then(
      (loaded) => {
        addOwnEvent(loaded, own);
        this.deps.cache.touch(loaded);
      },
      () => {},
    );
  }

  private forgetOwn(customer: string, id: string): void {
    const entry = this.deps.cache.peek(this.deps.env, customer);
    if (entry) removeOwnEvent(entry, id);
  }

  /** The customer's time: its test clock's, when it lives on one. */
  private customerNow(entry: CustomerEntry, now: number): number {
    const clock = entry.definition?.testClock;
    return (clock ? this.deps.tables.clockTime(clock) : undefined) ?? now;
  }

  private respond(
    result: CheckResult,
    customer: string,
    feature: string,
    entity: string | null,
    asOf: number,
  ): CheckResponse {
    const body = checkResponseOf({ result, customer, feature, entity, asOf });
    if (this.deps.staleness.stale) body.stale = true;
    return body;
  }

  /** Who, without waiting: null when an entity lookup is needed first. */
  private resolveNow(input: WhoInput): { customer: string; entity: string | null } | null {
    if (input.customer !== null) return { customer: input.customer, entity: entityOf(input) };
    const owner = this.deps.tables.peekEntityCustomer(this.deps.env, input.user!);
    if (owner === undefined) return null;
    return owner === null ? { customer: input.user!, entity: input.entity } : { customer: owner, entity: input.user };
  }

  /** PRODUCT §14: `user` is a customer id, or an entity id whose customer Lumen resolves. */
  private async resolve(input: WhoInput): Promise<{ customer: string; entity: string | null }> {
    if (input.customer !== null) return { customer: input.customer, entity: entityOf(input) };
    const owner = await this.deps.tables.entityCustomer(this.deps.env, input.user!);
    return owner === null ? { customer: input.user!, entity: input.entity } : { customer: owner, entity: input.user };
  }
}

/** With `customer` given, `user` names the seat (unless it is the customer itself or `entity` says otherwise). */
function entityOf(input: WhoInput): string | null {
  if (input.entity !== null) return input.entity;
  return input.user !== null && input.user !== input.customer ? input.user : null;
}

/** An id from the path; a malformed percent-escape is the caller's mistake (400), not ours. */
function decodePathId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new LumenError("validation_error", `The path holds a malformed id '${raw}'`, [
      { path: "id", message: "is not a valid percent-encoded id" },
    ]);
  }
}

export function errorResponse(error: unknown): SidecarResponse {
  const lumen =
    error instanceof LumenError ? error : new LumenError("internal", "Something went wrong in the sidecar; retry");
  return {
    status: lumen.status,
    body: { error: { code: lumen.code, message: lumen.message, details: lumen.details, requestId: newId("req") } },
  };
}
