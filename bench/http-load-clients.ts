import { Agent, request as httpRequest } from "node:http";
import { connect as netConnect, type Socket } from "node:net";

/** Opens one closed-loop connection at a time: a request, its answer's status, the next request. */
export interface Sender {
  open(): Promise<{ request(body: Buffer): Promise<number>; close(): void }>;
  dispose(): void;
}

/** node:http with a keep-alive agent of `connections` sockets. */
export function nodeHttpSender(
  target: URL,
  path: string,
  contentType: string,
  key: string,
  connections: number,
): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return {
    async open() {
      return {
        request: (body) =>
          new Promise<number>((resolve, reject) => {
            const req = httpRequest(
              {
                agent,
                host: target.hostname,
                port: target.port,
                path,
                method: "POST",
                headers: { authorization: `Bearer ${key}`, "content-type": contentType, "content-length": body.length },
              },
              (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
              },
            );
            req.on("error", reject);
            req.end(body);
          }),
        close: () => {},
      };
    },
    dispose: () => agent.destroy(),
  };
}

/** One keep-alive HTTP/1.1 connection per loop over node:net: request bytes out, status and body length in. */
export function rawSender(target: URL, path: string, contentType: string, key: string): Sender {
  const head = (length: number) =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${key}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`,
    );
  return {
    open: () =>
      new Promise((resolve, reject) => {
        const socket: Socket = netConnect({ host: target.hostname, port: Number(target.port) }, () => {
          socket.off("error", reject);
          let buffer: Buffer = Buffer.alloc(0);
          let waiting: ((status: number) => void) | null = null;
          let failing: ((error: Error) => void) | null = null;
          socket.on("error", (error) => failing?.(error));
          socket.on("close", () => failing?.(new Error("connection closed")));
          socket.on("data", (chunk: Buffer) => {
            buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
            const end = buffer.indexOf("\r\n\r\n");
            if (end < 0) return;
            const header = buffer.subarray(0, end).toString("latin1");
            const length = Number(/content-length: *(\d+)/i.exec(header)?.[1] ?? 0);
            if (buffer.length < end + 4 + length) return;
            buffer = buffer.subarray(end + 4 + length);
            const resolveStatus = waiting;
            waiting = null;
            resolveStatus?.(Number(header.slice(9, 12)));
          });
          socket.setNoDelay(true);
          resolve({
            request(body) {
              return new Promise<number>((done, fail) => {
                waiting = done;
                failing = fail;
                socket.write(Buffer.concat([head(body.length), body]));
              });
            },
            close: () => socket.destroy(),
          });
        });
        socket.once("error", reject);
      }),
    dispose: () => {},
  };
}
