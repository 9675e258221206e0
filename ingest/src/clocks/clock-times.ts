import type pg from "pg";

/**
 * The frozen time (ms) of the test clock of each of these test-environment customers that has one
 * (PRODUCT §12). Customers without a clock, and unknown customers, are absent from the answer.
 */
export async function loadClockTimes(
  db: Pick<pg.Pool, "query">,
  customers: readonly string[],
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  if (customers.length === 0) return times;
  const { rows } = await db.query<{ id: string; frozen_time: Date }>(
    `SELECT c.id, t.frozen_time FROM customers c
       JOIN test_clocks t ON t.env = c.env AND t.id = c.test_clock_id
      WHERE c.env = 'test' AND c.id = ANY($1)`,
    [customers],
  );
  for (const row of rows) times.set(row.id, new Date(row.frozen_time).getTime());
  return times;
}
