import { type KeysSeenRequest, type KeysSeenResult, partitionOf } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { idempotencyHash } from "../dedup/key-hash";
import { fullKey, lookupKeyOccurrences } from "../storage/idempotency-store";
import { QueryFailure } from "./query-failure";

const MAX_KEYS = 1000;

/** Which keys already have a counted occurrence in ClickHouse (billing's `duplicate` answer). */
export async function queryKeysSeen({
  clickhouse,
  partitions,
  request,
}: {
  clickhouse: ClickHouse;
  partitions: number;
  request: KeysSeenRequest;
}): Promise<KeysSeenResult> {
  if (request.keys.length === 0) return { seen: [] };
  const hashes = new Set<number>();
  const owners = new Set<number>();
  for (const { customer, idempotencyKey } of request.keys) {
    hashes.add(idempotencyHash(request.env, customer, idempotencyKey));
    owners.add(partitionOf(request.env, customer, partitions));
  }
  const found = await lookupKeyOccurrences({ clickhouse, partitions: owners, hashes, since: request.at });
  return {
    seen: request.keys.map(({ customer, idempotencyKey }) => found.has(fullKey(request.env, customer, idempotencyKey))),
  };
}

export function parseKeysSeen(raw: unknown): KeysSeenRequest {
  const body = raw as Partial<KeysSeenRequest> | null;
  const valid =
    body !== null &&
    typeof body === "object" &&
    (body.env === "test" || body.env === "live") &&
    typeof body.at === "number" &&
    Number.isFinite(body.at) &&
    Array.isArray(body.keys) &&
    body.keys.length <= MAX_KEYS &&
    body.keys.every((key) => key && typeof key.customer === "string" && typeof key.idempotencyKey === "string");
  if (!valid)
    throw new QueryFailure(
      "validation_error",
      `keys_seen takes {env, at, keys: [≤${MAX_KEYS} {customer, idempotencyKey}]}`,
    );
  return body as KeysSeenRequest;
}
