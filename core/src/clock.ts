/** Every component reads time from a clock; test clocks are clocks too (DESIGN "Exactly once, and time"). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock frozen at one instant; used for test clocks and in tests. */
export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  return { now: () => new Date(instant) };
}
