import { db, type EngineContext } from "../context";

/** The current time of a customer: its test clock's frozen time, or the engine's clock (PRODUCT §12). */
export async function customerNow(ctx: EngineContext, customer: { testClockId: string | null }): Promise<Date> {
  if (!customer.testClockId) return ctx.clock.now();
  const { rows } = await db(ctx).query<{ frozen_time: Date }>(
    "SELECT frozen_time FROM test_clocks WHERE env = $1 AND id = $2",
    [ctx.env, customer.testClockId],
  );
  return rows[0]?.frozen_time ?? ctx.clock.now();
}
