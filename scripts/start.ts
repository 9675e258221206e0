import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./launcher/run";

// `npm start`: the launcher for one machine (PRODUCT §15).
const code = await launch({ root: resolve(dirname(fileURLToPath(import.meta.url)), "..") });
// Exit now rather than when idle keep-alive sockets of the health checks time out.
process.exit(code);
