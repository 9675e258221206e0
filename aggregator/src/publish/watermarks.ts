import { decodeMessage, encodeMessage, type PartitionWatermark } from "@lumen/core";
import type { KV } from "nats";

export function watermarkKey(partition: number): string {
  return `p${partition}`;
}

export async function putWatermark(watermarks: KV, watermark: PartitionWatermark): Promise<void> {
  await watermarks.put(watermarkKey(watermark.partition), encodeMessage(watermark));
}

export async function readWatermark(watermarks: KV, partition: number): Promise<PartitionWatermark | null> {
  const entry = await watermarks.get(watermarkKey(partition));
  if (entry?.operation !== "PUT" || entry.value.length === 0) return null;
  return decodeMessage<PartitionWatermark>(entry.value);
}
