/**
 * Text of a CSV file in the encodings agencies' systems write: UTF-8 (with or without a byte order
 * mark) and GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows saves "CSV" in.
 * Without an explicit encoding, bytes that are valid UTF-8 are UTF-8 and anything else is GB18030: a
 * GBK text of Chinese characters is almost never valid UTF-8 by chance (its lead bytes 0x81-0xFE are
 * followed by bytes that UTF-8 forbids there).
 */
import iconv from "iconv-lite";
import { IntakeError } from "./errors";

export type DetectedEncoding = "utf-8" | "utf-8-bom" | "gb18030" | "utf-16le" | "utf-16be";

/** Names accepted for --encoding (and the console's choice); GBK and GB2312 read as GB18030, their superset. */
export const ENCODING_CHOICES = ["auto", "utf-8", "gb18030", "gbk", "gb2312"] as const;
export type EncodingChoice = (typeof ENCODING_CHOICES)[number];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes: Uint8Array, offset: number): string | undefined {
  try {
    return strictUtf8.decode(bytes.subarray(offset));
  } catch {
    return undefined;
  }
}

export function decodeText(bytes: Uint8Array, encoding: string = "auto"): { text: string; encoding: DetectedEncoding } {
  const choice = encoding.toLowerCase().replace(/^utf8$/, "utf-8");
  if (!(ENCODING_CHOICES as readonly string[]).includes(choice))
    throw new IntakeError(
      "UNSUPPORTED_ENCODING",
      `The encoding ${JSON.stringify(encoding)} is not supported; use one of ${ENCODING_CHOICES.join(", ")}.`,
    );
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (choice === "auto") {
    if (bytes[0] === 0xff && bytes[1] === 0xfe)
      return { text: iconv.decode(Buffer.from(bytes.subarray(2)), "utf-16le"), encoding: "utf-16le" };
    if (bytes[0] === 0xfe && bytes[1] === 0xff)
      return { text: iconv.decode(Buffer.from(bytes.subarray(2)), "utf-16be"), encoding: "utf-16be" };
  }
  if (choice === "auto" || choice === "utf-8") {
    const text = utf8(bytes, bom ? 3 : 0);
    if (text !== undefined) return { text, encoding: bom ? "utf-8-bom" : "utf-8" };
    if (choice === "utf-8")
      throw new IntakeError(
        "BAD_ENCODING",
        "The file is not valid UTF-8; if Excel saved it on Chinese Windows, try --encoding gb18030.",
      );
  }
  return { text: iconv.decode(Buffer.from(bytes), "gb18030"), encoding: "gb18030" };
}
