import {
  type JetStreamManager,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "nats";
import { LumenError } from "../errors";
import type { PipelineNames } from "../pipeline/names";

/** How long the stream keeps events by default: aggregators replay from it after a crash or a takeover. */
export const DEFAULT_EVENTS_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** A batch republished within this window (same `Nats-Msg-Id`) is dropped by the stream. */
export const EVENTS_DUPLICATE_WINDOW_MS = 2 * 60_000;

const PARTITIONS_MARK = /\bpartitions=(\d+)\b/;
// The server answers this code when a stream does not exist.
const STREAM_NOT_FOUND = 10059;

/**
 * Creates the event stream, or checks the one that exists. The partition count is fixed when the stream is
 * created (DESIGN "Scale"); it is written into the stream's description (stream metadata needs
 * nats-server 2.10, this machine runs 2.9) and a process configured with another count refuses to start,
 * since it would route a customer's events to a partition whose owner never sees them.
 */
export async function ensureEventsStream(
  jsm: JetStreamManager,
  names: PipelineNames,
  partitions: number,
  { maxAgeMs = DEFAULT_EVENTS_MAX_AGE_MS }: { maxAgeMs?: number } = {},
): Promise<StreamInfo> {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new LumenError("validation_error", `The partition count must be a whole number ≥ 1, got ${partitions}`);
  }
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: names.eventsStream,
    description: `Lumen usage events; partitions=${partitions}`,
    subjects: [`${names.prefix}.events.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
  };
  const existing = await readStream(jsm, names.eventsStream);
  if (!existing) {
    try {
      return await jsm.streams.add(wanted);
    } catch (error) {
      // Another process created it between our read and our add: check that one instead.
      const raced = await readStream(jsm, names.eventsStream);
      if (!raced) throw error;
      return checkExisting(jsm, raced, wanted, partitions);
    }
  }
  return checkExisting(jsm, existing, wanted, partitions);
}

/** The partition count an events stream was created with, or null when it carries none. */
export function partitionsOfStream(info: StreamInfo): number | null {
  const fromMetadata = info.config.metadata?.["lumen.partitions"];
  const mark = fromMetadata ?? PARTITIONS_MARK.exec(info.config.description ?? "")?.[1];
  return mark === undefined ? null : Number(mark);
}

/** Deletes the event stream (tests and tooling); a stream that does not exist is not an error. */
export async function deleteEventsStream(jsm: JetStreamManager, names: PipelineNames): Promise<void> {
  try {
    await jsm.streams.delete(names.eventsStream);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
}

/** Deletes every KV bucket of the pipeline (tests and benchmarks clean up their own prefix with it). */
export async function deletePipelineBuckets(jsm: JetStreamManager, names: PipelineNames): Promise<void> {
  for (const bucket of Object.values(names.buckets)) await jsm.streams.delete(`KV_${bucket}`).catch(() => {});
}

async function checkExisting(
  jsm: JetStreamManager,
  info: StreamInfo,
  wanted: Partial<StreamConfig> & { name: string },
  partitions: number,
): Promise<StreamInfo> {
  const created = partitionsOfStream(info);
  if (created === null) {
    throw new LumenError(
      "conflict",
      `The stream ${info.config.name} exists but does not say how many partitions it was created with; ` +
        "it was not created by Lumen. Remove it or choose another LUMEN_NATS_PREFIX.",
    );
  }
  if (created !== partitions) {
    throw new LumenError(
      "conflict",
      `The stream ${info.config.name} was created with ${created} partitions but this process is configured ` +
        `with ${partitions} (LUMEN_PARTITIONS). The count is fixed when the stream is created: set LUMEN_PARTITIONS=${created}.`,
    );
  }
  // Retention and the duplicate window may change between releases or by configuration: follow them.
  const config = info.config;
  if (config.max_age !== wanted.max_age || config.duplicate_window !== wanted.duplicate_window) {
    return jsm.streams.update(config.name, { max_age: wanted.max_age, duplicate_window: wanted.duplicate_window });
  }
  return info;
}

async function readStream(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isStreamNotFound(error)) return null;
    throw error;
  }
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND;
}
