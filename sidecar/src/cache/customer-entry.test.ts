import { aCustomerDefinition } from "@lumen/core/testing";
import { describe, expect, it } from "vitest";
import {
  addOwnEvent,
  balanceStateOf,
  type CustomerEntry,
  OWN_EVENT_MAX_AGE_MS,
  type OwnEvent,
  removeOwnEvent,
} from "./customer-entry";

const NOW = 1_800_000_000_000;

function anEntry(seq = 10): CustomerEntry {
  return {
    env: "test",
    customer: "acme",
    definition: aCustomerDefinition(),
    snapshot: { env: "test", customer: "acme", partition: 0, seq, asOf: NOW, counters: [], ledgers: [] },
    own: [],
    size: 0,
    refreshedAt: NOW,
    revision: 0,
    memo: new Map(),
    answers: new Map(),
  };
}

const own = (id: string, fields: Partial<OwnEvent> = {}): OwnEvent => ({
  id,
  usage: [{ feature: "messages", entity: null, quantity: 1 }],
  sequence: null,
  trackedAt: NOW,
  ...fields,
});

const pendingIds = (entry: CustomerEntry, now: number) => {
  balanceStateOf(entry, now);
  return entry.own.map((event) => event.id);
};

describe("the sidecar's own events", () => {
  it("keeps counting events the stream has not confirmed, however long the outage", () => {
    const entry = anEntry();
    addOwnEvent(entry, own("queued"));
    expect(pendingIds(entry, NOW + 10 * OWN_EVENT_MAX_AGE_MS)).toEqual(["queued"]);
  });

  it("forgets a confirmed event once the owner's snapshot includes it, or long after it was confirmed", () => {
    const entry = anEntry(10);
    addOwnEvent(entry, own("included", { sequence: 10, confirmedAt: NOW }));
    addOwnEvent(entry, own("ahead", { sequence: 11, confirmedAt: NOW }));
    expect(pendingIds(entry, NOW + 1)).toEqual(["ahead"]);
    expect(pendingIds(entry, NOW + OWN_EVENT_MAX_AGE_MS)).toEqual([]);
  });

  it("counts a retried consume's event once", () => {
    const entry = anEntry();
    addOwnEvent(entry, own("evt_1", { sequence: 12, confirmedAt: NOW }));
    addOwnEvent(entry, own("evt_1", { sequence: 12, confirmedAt: NOW }));
    expect(balanceStateOf(entry, NOW).pending).toHaveLength(1);
  });

  it("holds a reservation until its TTL, or until it is committed or released here", () => {
    const entry = anEntry();
    addOwnEvent(entry, own("rsv_1", { holdUntil: NOW + 1000 }));
    addOwnEvent(entry, own("rsv_2", { holdUntil: NOW + 1000 }));
    removeOwnEvent(entry, "rsv_2");
    expect(pendingIds(entry, NOW + 999)).toEqual(["rsv_1"]);
    expect(pendingIds(entry, NOW + 1000)).toEqual([]);
  });
});
