import type { LumenEnv } from "../events/usage-event";

/** Partitions of the event stream; fixed when the stream is created (DESIGN "Scale"). */
export const DEFAULT_PARTITIONS = 16;

/** `hash(env, customer) mod P` with 32-bit FNV-1a: stable across processes and releases. */
export function partitionOf(env: LumenEnv, customer: string, partitions: number): number {
  let hash = 0x811c9dc5;
  const key = `${env}:${customer}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
