/**
 * ISO 8601 text of an instant (ms), remembered for the instants seen most often: period bounds and `asOf` repeat
 * across every check of a period, and `toISOString` is the costliest step of formatting a check.
 */
const recent = new Map<number, string>();
const MAX_REMEMBERED = 4_096;

export function isoTime(ms: number): string {
  let text = recent.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (recent.size >= MAX_REMEMBERED) recent.clear();
    recent.set(ms, text);
  }
  return text;
}
