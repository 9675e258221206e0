import { LumenError } from "@lumen/core";

/** A problem the user can fix, said in one line: what is missing and what to install or set. */
export class LaunchError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = "LaunchError";
  }
}

/** Any failure as one line for the terminal; never a stack trace. */
export function describeFailure(error: unknown): string {
  if (error instanceof LaunchError || error instanceof LumenError) return oneLine(error.message);
  const message = error instanceof Error ? error.message : String(error);
  return `Lumen could not start: ${oneLine(message)}`;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
