import { describe, expect, it } from "vitest";
import { ERROR_CODES as CORE_ERROR_CODES, HTTP_STATUS_OF } from "../../core/src/errors";
import { ERROR_CODES, errorFromResponse, LumenConnectionError, LumenError } from "./errors";

describe("error codes", () => {
  it("are the server's closed set, in the same order", () => {
    expect([...ERROR_CODES]).toEqual([...CORE_ERROR_CODES]);
  });

  it("never include the SDK's own connection_error", () => {
    expect(ERROR_CODES).not.toContain("connection_error");
  });
});

describe("errorFromResponse", () => {
  it("reads the Lumen error envelope", () => {
    const error = errorFromResponse({
      status: 400,
      body: {
        error: {
          code: "validation_error",
          message: "Invalid items.0.included: too small",
          details: [{ path: "items.0.included", message: "too small" }],
          requestId: "req_1",
        },
      },
      requestIdHeader: "req_header",
    });
    expect(error).toBeInstanceOf(LumenError);
    expect(error).toMatchObject({
      code: "validation_error",
      status: 400,
      message: "Invalid items.0.included: too small",
      details: [{ path: "items.0.included", message: "too small" }],
      requestId: "req_1",
    });
  });

  it.each([
    [502, "<html>Bad gateway</html>", "internal"],
    [503, "", "unavailable"],
    [504, "", "internal"],
    [404, "Not Found", "not_found"],
    [401, null, "unauthorized"],
    [429, { error: { code: "slow_down", message: "newer server code" } }, "rate_limited"],
    [418, "teapot", "validation_error"],
  ] as const)("maps a %i without a known code by its status", (status, body, code) => {
    const error = errorFromResponse({ status, body, requestIdHeader: "req_h" });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.requestId).toBe("req_h");
    expect(error.details).toEqual([]);
  });

  it("agrees with the server on the status of every code it sends", () => {
    for (const code of ERROR_CODES) {
      const status = HTTP_STATUS_OF[code];
      const error = errorFromResponse({ status, body: { error: { code, message: "m" } }, requestIdHeader: null });
      expect(error.code).toBe(code);
    }
  });

  it("drops malformed details rather than trusting them", () => {
    const error = errorFromResponse({
      status: 400,
      body: { error: { code: "validation_error", message: "m", details: [{ path: 1 }, { path: "a", message: "b" }] } },
      requestIdHeader: null,
    });
    expect(error.details).toEqual([{ path: "a", message: "b" }]);
  });
});

describe("LumenConnectionError", () => {
  it("is a LumenError with status 0 and the cause kept", () => {
    const cause = new TypeError("fetch failed");
    const error = new LumenConnectionError({ message: "Could not reach", cause });
    expect(error).toBeInstanceOf(LumenError);
    expect(error).toMatchObject({ code: "connection_error", status: 0, requestId: null, name: "LumenConnectionError" });
    expect(error.cause).toBe(cause);
  });
});
