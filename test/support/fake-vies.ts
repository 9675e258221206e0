import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The EU's VIES REST API on loopback, as much of it as Lumen uses: `POST /check-vat-number
 * {"countryCode", "vatNumber"}` answers `{"valid": …}` from the numbers registered here. `mode` switches it to a
 * member state's service being down (`valid: false, userError: "MS_UNAVAILABLE"`, as VIES says it), to a server
 * error (500), or to no answer at all (the request hangs).
 */
export async function startFakeVies(registered: readonly string[] = []) {
  const numbers = new Set(registered);
  const state = {
    mode: "up" as "up" | "down" | "error" | "silent",
    requests: [] as { countryCode: string; vatNumber: string }[],
  };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/check-vat-number") {
        response.writeHead(404).end();
        return;
      }
      const asked = JSON.parse(body) as { countryCode: string; vatNumber: string };
      state.requests.push(asked);
      if (state.mode === "silent") return;
      if (state.mode === "down") {
        response.writeHead(200, { "content-type": "application/json" });
        const { countryCode, vatNumber } = asked;
        response.end(JSON.stringify({ countryCode, vatNumber, valid: false, userError: "MS_UNAVAILABLE" }));
        return;
      }
      if (state.mode === "error") {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ actionSucceed: false, errorWrappers: [{ error: "MS_UNAVAILABLE" }] }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          countryCode: asked.countryCode,
          vatNumber: asked.vatNumber,
          requestDate: new Date().toISOString(),
          valid: numbers.has(`${asked.countryCode}${asked.vatNumber}`),
          name: "---",
          address: "---",
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
