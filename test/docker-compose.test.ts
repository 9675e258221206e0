import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const compose = readFileSync(resolve(root, "docker-compose.yml"), "utf8");
const dockerfile = readFileSync(resolve(root, "Dockerfile"), "utf8");

const COMPONENTS = ["billing", "ingest", "aggregator", "sidecar"] as const;
const SERVICES = ["nats", "clickhouse", "postgres", ...COMPONENTS];

/** `docker compose` (v2 plugin) or Debian's `docker-compose`; .ci/run installs the latter when neither is here. */
function composeCommand(): string[] | null {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  return null;
}
const command = composeCommand();

function validate(file: string) {
  const [bin, ...args] = command!;
  return spawnSync(bin!, [...args, "-f", file, "config", "-q"], { cwd: root, encoding: "utf8" });
}

describe("docker-compose.yml", () => {
  it.skipIf(!command)("is valid for docker compose", () => {
    const result = validate(resolve(root, "docker-compose.yml"));
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(!command)("would be caught if it were broken", () => {
    const broken = resolve(tmpdir(), `lumen-compose-${process.pid}.yml`);
    writeFileSync(broken, compose.replace("services:", "services:\n  broken:\n    depends_on: 7"));
    try {
      expect(validate(broken).status).not.toBe(0);
    } finally {
      rmSync(broken, { force: true });
    }
  });

  // Without the compose client: a structural check of the lines (no YAML library among the dependencies).
  it("is indented with spaces only", () => {
    expect(compose).not.toMatch(/\t/);
  });

  it("declares the three servers and every component", () => {
    expect(Object.keys(serviceBlocks()).sort()).toEqual([...SERVICES].sort());
  });

  it("runs NATS with JetStream on a volume", () => {
    const nats = serviceBlocks().nats!;
    expect(nats).toMatch(/"-js"/);
    expect(nats).toMatch(/- nats-data:\/data/);
  });

  it.each(COMPONENTS)(
    "builds %s from the Dockerfile, with its main, a /healthz check and healthy dependencies",
    (name) => {
      const block = resolveAliases(serviceBlocks()[name]!);
      expect(block).toMatch(/^ {4}build: \.$/m);
      expect(block).toContain(`"${name}/src/main.ts"`);
      expect(block).toMatch(/^ {4}healthcheck:$/m);
      expect(block).toMatch(/healthz/);
      expect(block).toMatch(/^ {4}depends_on:/m);
      expect(block).toContain("condition: service_healthy");
      expect(block).not.toMatch(/condition: (?!service_healthy)/);
      expect(block).toContain("NATS_URL: nats://nats:4222");
    },
  );

  it("gives billing, ingest and the aggregator their databases", () => {
    for (const name of ["billing", "ingest", "aggregator"]) {
      const block = resolveAliases(serviceBlocks()[name]!);
      expect(block).toMatch(/DATABASE_URL: postgres:\/\/\S+@postgres:5432\/lumen/);
      expect(block).toMatch(/CLICKHOUSE_URL: http:\/\/\S+@clickhouse:8123/);
    }
  });

  it("declares every named volume it mounts", () => {
    const declared = blockUnder("volumes", 0)
      .split("\n")
      .map((line) => /^ {2}([\w-]+):/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    const mounted = [...compose.matchAll(/^ {6}- ([\w-]+):\//gm)].map((match) => match[1]);
    expect(mounted.length).toBeGreaterThan(0);
    for (const volume of mounted) expect(declared).toContain(volume);
  });

  it("has only well-formed interpolations", () => {
    const interpolations = [...compose.matchAll(/\$\{[^}\n]*\}?/g)].map((match) => match[0]);
    expect(interpolations.length).toBeGreaterThan(0);
    for (const text of interpolations) expect(text).toMatch(/^\$\{[A-Z_][A-Z0-9_]*(:?-[^}$\n]*)?\}$/);
  });
});

describe("Dockerfile", () => {
  it("starts from node:20-bookworm-slim and installs with npm ci", () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
  });

  it("copies every workspace's manifest before npm ci", () => {
    const { workspaces } = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { workspaces: string[] };
    const beforeInstall = dockerfile.slice(0, dockerfile.search(/^RUN npm ci/m));
    for (const workspace of workspaces) {
      expect(beforeInstall).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    }
  });
});

/** The text of each service, keyed by name (the two-space keys under `services:`). */
function serviceBlocks(): Record<string, string> {
  const blocks: Record<string, string> = {};
  let current: string | undefined;
  for (const line of blockUnder("services", 0).split("\n")) {
    const name = /^ {2}([\w-]+):\s*$/.exec(line)?.[1];
    if (name) {
      current = name;
      blocks[name] = "";
    } else if (current) {
      blocks[current] += `${line}\n`;
    }
  }
  return blocks;
}

/** The lines nested under the top-level key `key`. */
function blockUnder(key: string, indent: number): string {
  const lines = compose.split("\n");
  const start = lines.findIndex((line) => line === `${" ".repeat(indent)}${key}:` || line.startsWith(`${key}: &`));
  expect(start, `no ${key}: in docker-compose.yml`).toBeGreaterThanOrEqual(0);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && !line.startsWith(" ".repeat(indent + 1)) && !line.startsWith("#")) break;
    body.push(line);
  }
  return body.join("\n");
}

/** Replaces `*anchor` aliases (and `<<: *anchor` merges) by the anchored block's text. */
function resolveAliases(block: string): string {
  return block.replace(/\*([\w-]+)/g, (_, anchor: string) => {
    const key = new RegExp(`^([\\w-]+): &${anchor}$`, "m").exec(compose)?.[1];
    expect(key, `no anchor &${anchor}`).toBeDefined();
    return `\n${blockUnder(key!, 0)}`;
  });
}
