import { inflateSync } from "node:zlib";

/** Bytes 0x80–0x9F of WinAnsiEncoding (PDF 32000-1 annex D); the rest of the byte range is Latin-1. */
const WIN_ANSI_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

/** A kerning adjustment this wide (thousandths of an em, negative moves right) reads as a space between words. */
const SPACE_ADJUSTMENT = -200;

interface PdfObject {
  dictionary: string;
  stream: Buffer | null;
}

interface Fragment {
  x: number;
  y: number;
  text: string;
}

type Operand =
  | { kind: "number"; value: number }
  | { kind: "text"; value: string }
  | { kind: "array"; items: Operand[] }
  | { kind: "other" };

/**
 * The text a pdfkit document shows, page after page; within a page, top to bottom, the pieces on one baseline
 * joined by a space on one line. Made for pdfkit's output (standard fonts, one text matrix per piece), not for any PDF.
 */
export function extractPdfText(pdf: Buffer): string {
  const objects = readObjects(pdf.toString("latin1"));
  return pageObjects(objects)
    .map((page) => {
      const fragments = contentRefs(page.dictionary).flatMap((ref) => readFragments(contentOf(objects, ref)));
      return linesOf(fragments).join("\n");
    })
    .join("\n");
}

/** Every `N 0 obj … endobj`, skipping stream bodies by their /Length so that binary data is never parsed. */
function readObjects(source: string): Map<number, PdfObject> {
  const objects = new Map<number, PdfObject>();
  const header = /(\d+) \d+ obj\b/g;
  for (let match = header.exec(source); match; match = header.exec(source)) {
    const start = match.index + match[0].length;
    const end = source.indexOf("endobj", start);
    const streamAt = source.indexOf("stream", start);
    if (streamAt === -1 || streamAt > end) {
      objects.set(Number(match[1]), { dictionary: source.slice(start, end), stream: null });
      header.lastIndex = end;
      continue;
    }
    const dictionary = source.slice(start, streamAt);
    const length = Number(/\/Length (\d+)/.exec(dictionary)?.[1]);
    const dataStart = streamAt + (source.startsWith("stream\r\n", streamAt) ? 8 : 7);
    const raw = Buffer.from(source.slice(dataStart, dataStart + length), "latin1");
    const stream = dictionary.includes("/FlateDecode") ? inflateSync(raw) : raw;
    objects.set(Number(match[1]), { dictionary, stream });
    header.lastIndex = source.indexOf("endobj", dataStart + length);
  }
  return objects;
}

/** The page objects in reading order: the catalog's page tree, depth first. */
function pageObjects(objects: Map<number, PdfObject>): PdfObject[] {
  const catalog = [...objects.values()].find((object) => /\/Type \/Catalog\b/.test(object.dictionary));
  const root = Number(/\/Pages (\d+) \d+ R/.exec(catalog?.dictionary ?? "")?.[1]);
  if (!catalog || Number.isNaN(root)) throw new Error("not a PDF with a page tree");
  const pages: PdfObject[] = [];
  const visit = (ref: number) => {
    const node = objects.get(ref);
    if (!node) throw new Error(`missing page object ${ref}`);
    if (/\/Type \/Pages\b/.test(node.dictionary)) {
      const kids = /\/Kids \[([^\]]*)\]/.exec(node.dictionary)?.[1] ?? "";
      for (const kid of kids.matchAll(/(\d+) \d+ R/g)) visit(Number(kid[1]));
    } else {
      pages.push(node);
    }
  };
  visit(root);
  return pages;
}

function contentRefs(pageDictionary: string): number[] {
  const contents = /\/Contents (\[[^\]]*\]|\d+ \d+ R)/.exec(pageDictionary)?.[1] ?? "";
  return [...contents.matchAll(/(\d+) \d+ R/g)].map((ref) => Number(ref[1]));
}

function contentOf(objects: Map<number, PdfObject>, ref: number): string {
  const stream = objects.get(ref)?.stream;
  if (!stream) throw new Error(`content stream ${ref} not found`);
  return stream.toString("latin1");
}

/** Runs the content stream's text operators: where each string is shown (Tm, Td) and what it says (Tj, TJ). */
function readFragments(content: string): Fragment[] {
  const fragments: Fragment[] = [];
  const operands: Operand[] = [];
  const arrays: Operand[][] = [];
  let x = 0;
  let y = 0;
  const push = (operand: Operand) => (arrays.at(-1) ?? operands).push(operand);
  const numberAt = (fromEnd: number) => {
    const operand = operands[operands.length - fromEnd];
    return operand?.kind === "number" ? operand.value : 0;
  };

  let index = 0;
  while (index < content.length) {
    const character = content[index]!;
    if (/\s/.test(character)) {
      index++;
    } else if (character === "%") {
      index = lineEnd(content, index);
    } else if (character === "(") {
      const [bytes, next] = readLiteral(content, index);
      push({ kind: "text", value: decodeWinAnsi(bytes) });
      index = next;
    } else if (content.startsWith("<<", index) || content.startsWith(">>", index)) {
      index += 2;
    } else if (character === "<") {
      const end = content.indexOf(">", index);
      push({ kind: "text", value: decodeWinAnsi(hexBytes(content.slice(index + 1, end))) });
      index = end + 1;
    } else if (character === "[") {
      arrays.push([]);
      index++;
    } else if (character === "]") {
      const items = arrays.pop() ?? [];
      push({ kind: "array", items });
      index++;
    } else {
      const token = /^[^\s()<>[\]/%]+|^\/[^\s()<>[\]/%]*/.exec(content.slice(index, index + 64))?.[0] ?? character;
      index += token.length;
      if (token.startsWith("/")) {
        push({ kind: "other" });
      } else if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(token)) {
        push({ kind: "number", value: Number(token) });
      } else {
        if (token === "BT") {
          x = 0;
          y = 0;
        } else if (token === "Tm") {
          x = numberAt(2);
          y = numberAt(1);
        } else if (token === "Td" || token === "TD") {
          x += numberAt(2);
          y += numberAt(1);
        } else if (token === "Tj" || token === "TJ" || token === "'" || token === '"') {
          fragments.push({ x, y, text: textOf(operands.at(-1)) });
        }
        operands.length = 0;
      }
    }
  }
  return fragments;
}

function textOf(operand: Operand | undefined): string {
  if (operand?.kind === "text") return operand.value;
  if (operand?.kind !== "array") return "";
  return operand.items
    .map((item) => {
      if (item.kind === "text") return item.value;
      return item.kind === "number" && item.value < SPACE_ADJUSTMENT ? " " : "";
    })
    .join("");
}

/** Fragments on the same baseline (within a point) make one line; lines top to bottom, fragments left to right. */
function linesOf(fragments: Fragment[]): string[] {
  const sorted = [...fragments].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Fragment[][] = [];
  for (const fragment of sorted) {
    const line = lines.at(-1);
    if (line && Math.abs(line[0]!.y - fragment.y) < 1) line.push(fragment);
    else lines.push([fragment]);
  }
  return lines
    .map((line) =>
      line
        .sort((a, b) => a.x - b.x)
        .map((fragment) => fragment.text.trim())
        .filter(Boolean)
        .join(" "),
    )
    .filter(Boolean);
}

function readLiteral(content: string, open: number): [number[], number] {
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12 };
  let depth = 1;
  let index = open + 1;
  while (index < content.length) {
    const character = content[index]!;
    if (character === "\\") {
      const next = content[index + 1] ?? "";
      const octal = /^[0-7]{1,3}/.exec(content.slice(index + 1, index + 4))?.[0];
      if (octal) {
        bytes.push(Number.parseInt(octal, 8) & 0xff);
        index += 1 + octal.length;
        continue;
      }
      if (next === "\n" || next === "\r") {
        index += content.startsWith("\r\n", index + 1) ? 3 : 2;
        continue;
      }
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      index += 2;
      continue;
    }
    if (character === "(") depth++;
    if (character === ")" && --depth === 0) return [bytes, index + 1];
    bytes.push(character.charCodeAt(0));
    index++;
  }
  return [bytes, index];
}

function hexBytes(hex: string): number[] {
  const digits = hex.replace(/\s+/g, "");
  const padded = digits.length % 2 === 0 ? digits : `${digits}0`;
  const bytes: number[] = [];
  for (let index = 0; index < padded.length; index += 2) {
    bytes.push(Number.parseInt(padded.slice(index, index + 2), 16));
  }
  return bytes;
}

function decodeWinAnsi(bytes: number[]): string {
  return bytes
    .map((byte) => (byte >= 0x80 && byte <= 0x9f ? WIN_ANSI_HIGH[byte - 0x80]! : String.fromCharCode(byte)))
    .join("");
}

function lineEnd(content: string, from: number): number {
  const end = content.slice(from).search(/[\r\n]/);
  return end === -1 ? content.length : from + end;
}
