import pg from "pg";
import { LaunchError, oneLine } from "./errors";

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Checks that PostgreSQL answers at `databaseUrl` and creates the database if it is missing,
 * connecting for that to the server's maintenance database (`postgres`, else `template1`).
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const target = describeTarget(databaseUrl);
  try {
    await withClient(databaseUrl, async () => {});
    return { created: false };
  } catch (error) {
    if (!(error instanceof pg.DatabaseError) || error.code !== "3D000") throw explain(error, target);
  }
  await createDatabase(databaseUrl, target);
  return { created: true };
}

interface Target {
  where: string;
  database: string;
  user: string;
}

const URL_EXAMPLE = "postgres://postgres@127.0.0.1:5432/lumen";

function describeTarget(databaseUrl: string): Target {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl) || !URL.canParse(databaseUrl)) {
    throw new LaunchError(`DATABASE_URL must be a postgres:// URL such as ${URL_EXAMPLE}`);
  }
  // pg's own parser reads the URL exactly as the components will.
  const client = new pg.Client({ connectionString: databaseUrl });
  return {
    where: `${client.host}:${client.port}`,
    database: client.database ?? client.user ?? "postgres",
    user: client.user ?? "postgres",
  };
}

async function createDatabase(databaseUrl: string, target: Target): Promise<void> {
  let lastError: unknown;
  for (const maintenance of ["postgres", "template1"]) {
    try {
      await withClient(withDatabase(databaseUrl, maintenance), async (client) => {
        await client.query(`CREATE DATABASE ${quoteIdentifier(target.database)}`);
      });
      return;
    } catch (error) {
      // 42P04: another process created it in the meantime.
      if (error instanceof pg.DatabaseError && error.code === "42P04") return;
      lastError = error;
      if (!(error instanceof pg.DatabaseError && error.code === "3D000")) break;
    }
  }
  if (lastError instanceof pg.DatabaseError && !isAuthFailure(lastError)) {
    throw new LaunchError(
      `Lumen could not create the database '${target.database}' on PostgreSQL at ${target.where} (${oneLine(lastError.message)}) — create it (createdb ${target.database}) or set DATABASE_URL to an existing database`,
    );
  }
  throw explain(lastError, target);
}

/** A double-quoted SQL identifier: any name is safe in CREATE DATABASE. */
export function quoteIdentifier(name: string): string {
  if (name.includes("\0")) throw new LaunchError("DATABASE_URL names a database containing a NUL character");
  return pg.escapeIdentifier(name);
}

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl); // checked by describeTarget
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withClient(connectionString: string, use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a dropped connection surfaces through the awaited call instead
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function isAuthFailure(error: pg.DatabaseError): boolean {
  return error.code === "28P01" || error.code === "28000";
}

function explain(error: unknown, target: Target): LaunchError {
  if (error instanceof LaunchError) return error;
  if (!(error instanceof pg.DatabaseError)) {
    return new LaunchError(
      `Lumen needs PostgreSQL at ${target.where} — install and start it (apt-get install postgresql) or set DATABASE_URL`,
    );
  }
  if (isAuthFailure(error)) {
    return new LaunchError(
      `PostgreSQL at ${target.where} refused user '${target.user}' (${oneLine(error.message)}) — fix the user or password in DATABASE_URL`,
    );
  }
  return new LaunchError(`PostgreSQL at ${target.where} failed: ${oneLine(error.message)} — check DATABASE_URL`);
}
