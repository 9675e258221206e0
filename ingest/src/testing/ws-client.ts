import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export type WsMessage = { type: "text"; text: string } | { type: "binary"; data: Buffer };
export type WsUpgradeRefused = { refused: true; status: number; body: string };

/**
 * A small WebSocket client for tests and the load generator (Node 20 has no WebSocket client without a flag,
 * and the `ws` package in node_modules comes untyped). Client side of RFC 6455 only: masked frames out,
 * unfragmented frames in, pings answered.
 */
export class WsClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly messages: WsMessage[] = [];
  private readonly waiting: ((message: WsMessage | null) => void)[] = [];
  private closeInfo: { code: number; reason: string } | null = null;
  private readonly closeWaiters: ((info: { code: number; reason: string }) => void)[] = [];

  private constructor(private readonly socket: Socket) {}

  /** Opens `ws://host:port/path`; answers the refusal instead when the server does not switch protocols. */
  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient | WsUpgradeRefused> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port) });
      socket.setNoDelay(true);
      const key = randomBytes(16).toString("base64");
      let head = Buffer.alloc(0);
      socket.once("error", reject);
      socket.on("connect", () => {
        const lines = [
          `GET ${target.pathname}${target.search} HTTP/1.1`,
          `Host: ${target.host}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Key: ${key}`,
          "Sec-WebSocket-Version: 13",
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        ];
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      });
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? 0);
        if (status !== 101) {
          const length = Number(/content-length: *(\d+)/i.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? 0);
          if (head.length < end + 4 + length) return;
          socket.off("data", onData);
          socket.destroy();
          resolve({ refused: true, status, body: head.subarray(end + 4, end + 4 + length).toString("utf8") });
          return;
        }
        socket.off("data", onData);
        socket.off("error", reject);
        const client = new WsClient(socket);
        socket.on("data", (data: Buffer) => client.receive(data));
        socket.on("close", () => client.onClosed({ code: 1006, reason: "" }));
        socket.on("error", () => {});
        client.receive(head.subarray(end + 4));
        resolve(client);
      };
      socket.on("data", onData);
    });
  }

  sendBinary(data: Uint8Array): void {
    this.sendFrame(0x2, data);
  }

  sendText(text: string): void {
    this.sendFrame(0x1, Buffer.from(text, "utf8"));
  }

  /** The next message, or null once the connection is closed. */
  next(): Promise<WsMessage | null> {
    const message = this.messages.shift();
    if (message) return Promise.resolve(message);
    if (this.closeInfo) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The next text message parsed as JSON (fails the test on anything else). */
  async nextJson<T = Record<string, unknown>>(): Promise<T> {
    const message = await this.next();
    if (message?.type !== "text") throw new Error(`expected a text frame, got ${JSON.stringify(message)}`);
    return JSON.parse(message.text) as T;
  }

  closed(): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    if (!this.closeInfo) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(1000);
      this.sendFrame(0x8, payload);
    }
    this.socket.end();
  }

  private sendFrame(opcode: number, payload: Uint8Array): void {
    if (this.socket.destroyed) return;
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) {
      frame[1] = 0x80 | length;
    } else if (length < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, headerLength);
    const body = headerLength + 4;
    for (let i = 0; i < length; i++) frame[body + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }

  private receive(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 0x1) this.deliver({ type: "text", text: payload.toString("utf8") });
      else if (opcode === 0x2) this.deliver({ type: "binary", data: Buffer.from(payload) });
      else if (opcode === 0x9) this.sendFrame(0xa, payload);
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.onClosed({ code, reason: payload.subarray(2).toString("utf8") });
        this.socket.end();
      }
    }
  }

  private deliver(message: WsMessage): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(message);
    else this.messages.push(message);
  }

  private onClosed(info: { code: number; reason: string }): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    for (const waiter of this.waiting.splice(0)) waiter(null);
    for (const waiter of this.closeWaiters.splice(0)) waiter(info);
  }
}
