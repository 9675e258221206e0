import { Packr, Unpackr } from "msgpackr";
import { LumenError } from "../errors";

const MSGPACK_TYPES = /^application\/(x-|vnd\.)?msgpack\b/i;

// Untrusted input: plain maps as objects (non-string keys are refused), no shared record structures between
// messages. msgpackr renames a `__proto__` key, so a body cannot reach an object's prototype.
const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false });
// Answers: plain msgpack any client decodes (no record extension).
const packr = new Packr({ useRecords: false });

export function isMsgpack(contentType: string): boolean {
  return MSGPACK_TYPES.test(contentType);
}

/** Whether the caller asked for MessagePack answers (`Accept: application/msgpack`). */
export function acceptsMsgpack(accept: string): boolean {
  return accept !== "" && /application\/(x-|vnd\.)?msgpack\b/i.test(accept);
}

/** Decodes a request body: MessagePack when the content type says so, JSON otherwise. */
export function decodeBody(bytes: Uint8Array, contentType: string): unknown {
  if (isMsgpack(contentType)) return decodeMsgpack(bytes);
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LumenError("validation_error", "The body is not valid JSON", [{ path: "", message: reason }]);
  }
}

/** One MessagePack value filling all of `bytes`; anything else is a validation_error. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LumenError("validation_error", "The body is not valid MessagePack", [{ path: "", message: reason }]);
  }
}

export function encodeMsgpack(value: unknown): Buffer {
  return packr.pack(value);
}
