import pg from "pg";

// timestamptz as Date, bigint counts as numbers where they are small (row counts), numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle client's connection error must not crash the process; the next query reports it.
  pool.on("error", () => {});
  return pool;
}
