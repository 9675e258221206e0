import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMessage, type EventsPage, encodeMessage, QUERY_OPERATIONS } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CATALOG } from "../../aggregator/src/testing/catalog";
import { eventually } from "../../aggregator/src/testing/events";
import { createNatsFixture, type NatsFixture } from "../../aggregator/src/testing/nats-fixture";
import { type OwnerRequests, ownerRequests, retrying } from "../../aggregator/src/testing/owner-requests";
import { type AggregatorProcess, spawnAggregator } from "../../aggregator/src/testing/spawn-aggregator";

const PARTITIONS = 2;
const LIMIT = 300;
const CUSTOMER = "acme-kill9";
/** Consumes in flight per connection. */
const CONCURRENCY = 8;

let fixture: NatsFixture;
let dataDir: string;
let env: Record<string, string>;
const processes: AggregatorProcess[] = [];
let consumes = 0;
let inFlight = 0;
let answers = 0;
const allowed = new Set<string>();

beforeAll(async () => {
  fixture = await createNatsFixture({ partitions: PARTITIONS });
  await fixture.putCatalog(TEST_CATALOG);
  await fixture.putDefinition(
    aCustomerDefinition({ customer: CUSTOMER, features: { "api-calls": anEntitlement({ included: LIMIT }) } }),
  );
  dataDir = await mkdtemp(join(tmpdir(), "lumen-consume-kill9-"));
  env = {
    LUMEN_NATS_PREFIX: fixture.names.prefix,
    LUMEN_PARTITIONS: String(PARTITIONS),
    LUMEN_DATA_DIR: dataDir,
  };
});

afterAll(async () => {
  for (const child of processes) await child.stop();
  await fixture.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(extra: Record<string, string> = {}): Promise<AggregatorProcess> {
  const child = await spawnAggregator({ ...env, ...extra });
  processes.push(child);
  return child;
}

/**
 * Consumes one unit at a time, `CONCURRENCY` at once per connection, each retried with its own event id until it is
 * decided (through a crash and a takeover), while `more()` says so.
 */
async function consumeWhile(client: OwnerRequests, worker: number, more: () => boolean): Promise<void> {
  const lane = async (laneIndex: number) => {
    while (more()) {
      const eventId = `evt_w${worker}l${laneIndex}n${consumes++}`;
      inFlight++;
      const answer = await retrying(
        () => client.consume({ customer: CUSTOMER, feature: "api-calls", eventId }),
        30_000,
      ).finally(() => inFlight--);
      if ("error" in answer) throw new Error(`${answer.error.code}: ${answer.error.message}`);
      answers++;
      if (answer.result.allowed) {
        if (allowed.has(eventId)) throw new Error(`${eventId} answered allowed twice`);
        allowed.add(eventId);
      } else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lane(i)));
}

async function countedEvents(): Promise<EventsPage["data"]> {
  const events: EventsPage["data"] = [];
  let startingAfter: string | null = null;
  for (;;) {
    const reply = await fixture.nats.request(
      fixture.names.querySubject(QUERY_OPERATIONS.events),
      encodeMessage({
        env: "test",
        customer: CUSTOMER,
        feature: null,
        from: null,
        to: null,
        limit: 1000,
        startingAfter,
      }),
      { timeout: 10_000 },
    );
    const page = decodeMessage<EventsPage>(reply.data);
    events.push(...page.data);
    if (!page.hasMore || page.data.length === 0) return events.filter((event) => event.counted);
    startingAfter = page.data.at(-1)!.id;
  }
}

describe("kill -9 of the owner during strict consumes", () => {
  it("never overdraws, and counts every consume answered allowed exactly once", async () => {
    // The first owner never gets to write ClickHouse (its flushes linger for a minute): at the crash, every consume
    // it acknowledged is in the stream only, and the next owner must replay them all before deciding.
    const first = await start({ LUMEN_TEST_FLUSH_LINGER_MS: "60000" });
    const clients = await Promise.all(
      [1, 2, 3].map(async (n) =>
        ownerRequests({
          nats: await fixture.connect(`kill9-${n}`),
          names: fixture.names,
          partitions: PARTITIONS,
          // A request the crashed owner took is lost: retry it soon (same event id).
          timeoutMs: 500,
        }),
      ),
    );
    const consume = (more: () => boolean) => Promise.all(clients.map((client, i) => consumeWhile(client, i, more)));
    await consume(() => allowed.size + inFlight < LIMIT - 10);
    const beforeCrash = allowed.size;

    // Crash the owner with consumes in flight near the limit, and go on asking: a new owner that decided on counters
    // without the replayed consumes would overdraw at once. A second aggregator takes over.
    let more = true;
    const consuming = consume(() => more);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await first.crash();
    const atCrash = allowed.size;
    const crashedAt = performance.now();
    await start();
    const answersAtStart = answers;
    await eventually(() => expect(answers - answersAtStart).toBeGreaterThan(500), 20_000);
    more = false;
    await consuming;
    console.info(
      `allowed ${beforeCrash} before the crash, ${atCrash - beforeCrash} while it happened, ` +
        `${allowed.size - atCrash} after; ${answers} answers; 500 answers of the new owner ` +
        `${((performance.now() - crashedAt) / 1000).toFixed(1)} s after the crash`,
    );

    expect(allowed.size).toBeLessThanOrEqual(LIMIT);
    // Every event in the stream counted at most once (by its key); the counted ones are exactly the consumes answered
    // allowed (a consume whose answer died with the first owner is answered allowed on its retry, not decided again).
    await eventually(async () => expect(await countedEvents()).toHaveLength(LIMIT), 20_000);
    const counted = (await countedEvents()).map((event) => event.idempotencyKey);
    expect(new Set(counted).size).toBe(LIMIT);
    expect(new Set(counted)).toEqual(allowed);
    const check = await clients[0]!.check({ customer: CUSTOMER, feature: "api-calls", quantity: 1 });
    expect(check).toMatchObject({ result: { allowed: false, used: LIMIT, balance: 0 } });
  }, 90_000);
});
