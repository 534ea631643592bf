/**
 * Redaction (docs/architecture.md#the-certificate-document): the holder hides fields before sharing.
 * A redacted field loses its value and
 * salt; its leaf hash moves to proof.redacted (without its path), so certId is unchanged and the
 * verifier sees exactly the fields that are left.
 */
import { bytesToHex, type Hex } from "./ids";
import { DocumentError } from "./errors";
import type { CertificateDocument } from "./format";
import { isPathPrefix, parsePath, appendSegment, type PathSegment } from "./paths";
import type { JsonValue } from "./strictJson";
import { IntegrityVerdictError, inspectDocument } from "./verify";

const REMOVED = Symbol("removed");
type Pruned = JsonValue | typeof REMOVED;

/**
 * Returns a copy of `document` without the given fields. A path names a field (address.city,
 * degrees[1].title) or a whole subtree (address, degrees[1]). Throws DocumentError when the document
 * does not verify, a path is not canonical, or a path matches no disclosed field.
 */
export function redactDocument(document: CertificateDocument | unknown, paths: readonly string[]): CertificateDocument {
  let inspected;
  try {
    inspected = inspectDocument(document);
  } catch (e) {
    if (e instanceof IntegrityVerdictError) {
      throw new DocumentError(
        e.code === "TAMPERED" ? "TAMPERED_DOCUMENT" : "MALFORMED_DOCUMENT",
        `cannot redact: ${e.reason}`,
      );
    }
    throw e;
  }
  const doc = inspected.document; // a private copy: inspectDocument copied the input
  const targets = paths.map((p) => ({ path: p, segments: parsePath(p), matched: false }));

  const hidden = new Set<string>();
  const redactedHashes: Hex[] = [...doc.proof.redacted];
  for (const { node, hash } of inspected.fields) {
    const t = targets.filter((t) => isPathPrefix(t.segments, node.segments));
    if (t.length === 0) continue;
    t.forEach((x) => (x.matched = true));
    hidden.add(node.path);
    redactedHashes.push(bytesToHex(hash));
  }
  const missing = targets.find((t) => !t.matched);
  if (missing) throw new DocumentError("PATH_NOT_FOUND", `no disclosed field at ${missing.path}`);

  const salts: Record<string, Hex> = {};
  for (const [path, salt] of Object.entries(doc.proof.salts)) if (!hidden.has(path)) salts[path] = salt;

  const prune = (value: JsonValue, path: string, segments: PathSegment[]): Pruned => {
    if (hidden.has(path) && segments.length > 0) return REMOVED;
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
      if (value.length === 0) return value;
      const out: JsonValue[] = value.map((v, i) => {
        const r = prune(v, appendSegment(path, i), [...segments, i]);
        return r === REMOVED ? null : r;
      });
      // Trailing redacted elements are dropped, so the array does not reveal how many were hidden.
      while (out.length > 0 && out[out.length - 1] === null && !(appendSegment(path, out.length - 1) in salts))
        out.pop();
      return out.length === 0 ? REMOVED : out;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return value;
    const out: { [k: string]: JsonValue } = {};
    for (const k of keys) {
      if (segments.length === 0 && k === "id") {
        out[k] = value[k];
        continue;
      }
      const r = prune(value[k], appendSegment(path, k, segments.length === 0), [...segments, k]);
      if (r !== REMOVED) out[k] = r;
    }
    return Object.keys(out).length === 0 && segments.length > 0 ? REMOVED : out;
  };
  const subject = prune(doc.credentialSubject, "", []) as CertificateDocument["credentialSubject"];

  redactedHashes.sort();
  return {
    ...doc,
    credentialSubject: subject,
    proof: {
      type: doc.proof.type,
      salts,
      redacted: redactedHashes,
      // The status list entries stay with the document: their signature covers the certId, which redaction keeps.
      ...(doc.proof.statusEntryProof !== undefined ? { statusEntryProof: doc.proof.statusEntryProof } : {}),
    },
  };
}
