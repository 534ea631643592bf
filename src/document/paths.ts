/**
 * Field paths: how a leaf names its place in credentialSubject.
 *
 * Grammar (every path has exactly one canonical spelling, and that spelling is what a leaf hashes):
 *
 *   path    = key *( "." name / "[" quoted "]" / "[" index "]" )
 *   key     = name / "[" quoted "]"
 *   name    = 1*( letter / digit / "_" / "$" / "-" )   ; Unicode letters (\p{L}) and digits (\p{N})
 *   quoted  = a JSON string, exactly as JSON.stringify writes it (and RFC 8785 canonicalises it)
 *   index   = "0" / ( %x31-39 *DIGIT )                    ; a position in an array
 *
 * An object key is written as a bare name when it is one (address.city, 姓名), and quoted otherwise
 * (["a.b"], ["first name"], ["[0]"], [""]), so keys holding dots, brackets, quotes or spaces cannot be
 * confused with structure: `a["b.c"]` is one key "b.c" under "a", `a.b.c` is three levels.
 * Metadata leaves use paths starting with "@" (@issuer, @validFrom, ...), which no field path can
 * spell, because "@" is not a name character.
 */
import { DocumentError } from "./errors";

export type PathSegment = string | number;

const NAME = /^[\p{L}\p{N}_$-]+$/u;

function isName(key: string): boolean {
  return NAME.test(key);
}

/** The canonical spelling of a path from its segments (the first must be an object key). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (let i = 0; i < segments.length; i++) out = appendSegment(out, segments[i], i === 0);
  return out;
}

/** Extends a canonical path by one segment. */
export function appendSegment(path: string, segment: PathSegment, first = path === ""): string {
  if (typeof segment === "number") return `${path}[${segment}]`;
  if (isName(segment)) return first ? segment : `${path}.${segment}`;
  return `${path}[${JSON.stringify(segment)}]`;
}

/**
 * Parses a path into segments. Throws DocumentError("INVALID_PATH") when the text is not a path or
 * not in its canonical spelling (the error names the canonical one).
 */
// A module-level function, not a closure: parsePath runs for every disclosed field of every verification.
function fail(text: string, i: number, why: string): never {
  throw new DocumentError("INVALID_PATH", `invalid path ${JSON.stringify(text)} at ${i}: ${why}`);
}

export function parsePath(text: string): PathSegment[] {
  if (typeof text !== "string" || text.length === 0 || text.length > 4096) {
    throw new DocumentError("INVALID_PATH", "a path is a non-empty string of at most 4096 characters");
  }
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "[") {
      if (text[i + 1] === '"') {
        let j = i + 2;
        while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
        if (j >= text.length || text[j + 1] !== "]") fail(text, i, "unterminated quoted key");
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i + 1, j + 1));
        } catch {
          fail(text, i, "the quoted key is not a JSON string");
        }
        segments.push(key as string);
        i = j + 2;
      } else {
        if (segments.length === 0) fail(text, i, "a path starts with an object key");
        const j = text.indexOf("]", i);
        const digits = j < 0 ? "" : text.slice(i + 1, j);
        if (!/^(0|[1-9][0-9]{0,8})$/.test(digits)) fail(text, i, "an index is a decimal number without leading zeros");
        segments.push(Number(digits));
        i = j + 1;
      }
    } else {
      if (segments.length > 0) {
        if (c !== ".") fail(text, i, 'expected ".", "[" or the end');
        i++;
      }
      let j = i;
      while (j < text.length && text[j] !== "." && text[j] !== "[") j++;
      const name = text.slice(i, j);
      if (!isName(name)) fail(text, i, 'a bare key is letters, digits, _, $ and -; quote anything else as ["..."]');
      segments.push(name);
      i = j;
    }
  }
  const canonical = formatPath(segments);
  if (canonical !== text) {
    throw new DocumentError("INVALID_PATH", `path ${JSON.stringify(text)} is not canonical: write ${canonical}`);
  }
  return segments;
}

/** True when `prefix` is `path` or one of its ancestors, segment by segment. */
export function isPathPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}
