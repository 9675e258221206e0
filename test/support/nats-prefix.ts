import { randomBytes } from "node:crypto";

/**
 * A NATS prefix of this test run (streams, subjects, KV buckets): it starts with the run id, so the global
 * teardown removes whatever a failed test left behind.
 */
export function testNatsPrefix(): string {
  return `${process.env.LUMEN_TEST_RUN ?? "tlocal"}x${randomBytes(4).toString("hex")}`;
}
