/**
 * Room for the calls that go to the sidecar next to the application (PRODUCT §9, §14), which later issues add
 * as methods of `Lumen`:
 *
 * - `isFeatureEntitled({ feature, userId, customerId? })` → `POST /v1/check`
 * - `getUsage({ userId })` → `GET /v1/customers/:id/usage`
 * - `track({ customer, feature, entity, value })`: fire-and-forget, buffered, sent in MessagePack batches
 *   with idempotency keys, flushed on shutdown
 * - `consume({ customer, feature })` → `POST /v1/consume`, strict
 *
 * with a fail-open / fail-closed policy for when the sidecar cannot be reached. Until those endpoints exist
 * nothing here answers on their behalf: a made-up "allowed" would be a billing bug. This file only resolves
 * where the sidecar is, so that `Lumen` owns one transport per component from the start.
 */
export const DEFAULT_SIDECAR_URL = "http://127.0.0.1:7070";
