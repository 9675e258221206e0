import { connect, type NatsConnection } from "nats";
import { describeServer } from "./addresses";
import { LaunchError } from "./errors";

/** Checks that NATS answers at `url` with JetStream enabled. */
export async function checkNats(url: string): Promise<void> {
  const where = url
    .split(",")
    .map((server) => describeServer(server.includes("://") ? server : `nats://${server}`, 4222))
    .join(", ");
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: url, name: "lumen-launcher", timeout: 3_000, reconnect: false });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "AUTHORIZATION_VIOLATION" || code === "AUTHENTICATION_EXPIRED") {
      throw new LaunchError(`NATS at ${where} refused the connection (${code}) — check the credentials in NATS_URL`);
    }
    throw new LaunchError(
      `Lumen needs NATS with JetStream at ${where} — install and start it (apt-get install nats-server, then nats-server -js) or set NATS_URL`,
    );
  }
  try {
    await connection.jetstreamManager();
  } catch {
    throw new LaunchError(
      `NATS at ${where} has JetStream disabled — restart nats-server with -js (or enable jetstream in its config) or set NATS_URL`,
    );
  } finally {
    await connection.close();
  }
}
