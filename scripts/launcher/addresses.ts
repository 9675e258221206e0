/** Where a server bound to `host` can be reached from this machine. */
export function loopbackFor(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** How to show a bound address to a person: a wildcard becomes localhost. */
export function displayHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/** host:port of a URL without its credentials, for messages; falls back to the text minus any user:pass@. */
export function describeServer(url: string, defaultPort?: number): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (defaultPort === undefined ? "" : String(defaultPort));
    return port ? `${parsed.hostname}:${port}` : parsed.hostname;
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}
