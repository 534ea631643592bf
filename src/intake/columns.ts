/**
 * What each header cell of an agency's file names: a field of the certificate type (by its path,
 * `address.city`, or by its title from the type's JSON Schema in Chinese or English, `姓名`, `Name`,
 * `住址.市`), the holder's address, the validity window, a claim reference (`claim.<field>`, for a
 * citizen who has no wallet address yet), or a guardian the agency names for a minor's certificate
 * (`guardian`, `guardian.validUntil`, ...: the terms of POST /v1/agency/batches' `guardian`). A header
 * that names none of these is refused, all of them named at once, before any row is read. Reserved
 * names come before the type's own fields: on a type with a `guardian` field (vaccination-certificate),
 * `监护人` is the guardian's address and the field is written by its parts (`监护人.姓名`).
 */
import type { CertificateType } from "../domain/catalog";
import { parsePath, type PathSegment } from "../document/paths";
import { IntakeError } from "./errors";

type Schema = Record<string, unknown>;

export type Column =
  | { readonly kind: "field"; readonly header: string; readonly path: string; readonly segments: readonly PathSegment[]; readonly schema: Schema | undefined }
  | { readonly kind: "holder"; readonly header: string }
  | { readonly kind: "validFrom"; readonly header: string }
  | { readonly kind: "validUntil"; readonly header: string }
  | { readonly kind: "claim"; readonly header: string; readonly field: string }
  | { readonly kind: "guardian"; readonly header: string; readonly term: GuardianTerm }
  | { readonly kind: "ignored"; readonly header: string }; // prettier-ignore

/** The reserved columns and their titles, matched like field titles (English ignoring case). */
export const RESERVED_COLUMNS = {
  holder: ["holder", "持有人", "Holder"],
  validFrom: ["validFrom", "有效期起", "生效日期", "Valid from"],
  validUntil: ["validUntil", "有效期至", "截止日期", "Valid until"],
} as const;

/** A term of the guardian's delegation (GuardianTerms), one column each. */
export type GuardianTerm = "delegate" | "validUntil" | "online" | "verifier" | "purpose";

/** The guardian's columns and their titles, matched like the reserved columns. */
export const GUARDIAN_COLUMNS: Readonly<Record<GuardianTerm, readonly string[]>> = {
  delegate: ["guardian", "监护人", "监护人地址", "Guardian"],
  validUntil: ["guardian.validUntil", "监护截止", "监护截止日期", "Guardian valid until"],
  online: ["guardian.online", "监护人可在线出示", "Guardian online"],
  verifier: ["guardian.verifier", "监护限定核验方", "Guardian verifier"],
  purpose: ["guardian.purpose", "监护限定用途", "Guardian purpose"],
};

const CLAIM = /^claim\.([A-Za-z][A-Za-z0-9_]*)$/;

const norm = (s: string) => s.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();

/** The sub-schema at a path's segments, following properties and items. */
export function schemaAt(schema: Schema | undefined, segments: readonly PathSegment[]): Schema | undefined {
  let s = schema;
  for (const seg of segments)
    s =
      typeof seg === "number"
        ? (s?.items as Schema | undefined)
        : ((s?.properties as Record<string, Schema> | undefined)?.[seg] ?? undefined);
  return s;
}

/** Every title spelling of every field that is not inside a list: full title paths, and unique leaf titles. */
function titleAliases(schema: Schema): Map<string, string> {
  const full = new Map<string, string>();
  const leaf = new Map<string, string[]>();
  const walk = (s: Schema, path: string, zh: string[], en: string[]) => {
    for (const [key, sub] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) {
      const p = path ? `${path}.${key}` : key;
      const z = [...zh, String(sub.title ?? key)];
      const e = [...en, String(sub["x-title-en"] ?? sub.title ?? key)];
      for (const alias of [z.join("."), e.join("."), z.join("·"), e.join(" ")]) full.set(norm(alias), p);
      if (sub.type === "object") walk(sub, p, z, e);
      else
        for (const t of new Set([norm(z[z.length - 1]), norm(e[e.length - 1])]))
          leaf.set(t, [...(leaf.get(t) ?? []), p]);
    }
  };
  walk(schema, "", [], []);
  const out = new Map<string, string>();
  // A leaf's title alone ("市", "City") names it only when no other field of the type has that title.
  for (const [t, paths] of leaf) if (paths.length === 1) out.set(t, paths[0]);
  for (const [t, p] of full) out.set(t, p);
  return out;
}

const reservedOf = new Map<string, "holder" | "validFrom" | "validUntil">(
  Object.entries(RESERVED_COLUMNS).flatMap(([kind, names]) =>
    names.map((n) => [norm(n), kind as "holder" | "validFrom" | "validUntil"]),
  ),
);
const guardianOf = new Map<string, GuardianTerm>(
  Object.entries(GUARDIAN_COLUMNS).flatMap(([term, names]) => names.map((n) => [norm(n), term as GuardianTerm])),
);

/**
 * Maps the header to columns. Unknown headers (and two headers naming the same thing) throw one
 * IntakeError that names every one of them. An empty header over an empty column is ignored.
 */
export function mapColumns(
  header: readonly string[],
  type: CertificateType,
  columnHasData: (index: number) => boolean = () => true,
): Column[] {
  const schema = type.schema as Schema;
  const aliases = titleAliases(schema);
  const unknown: string[] = [];
  const columns: Column[] = header.map((raw, i) => {
    const h = raw.normalize("NFC").trim();
    if (h === "") {
      if (columnHasData(i)) unknown.push(`(column ${i + 1}, no title)`);
      return { kind: "ignored", header: h };
    }
    const reserved = reservedOf.get(norm(h));
    if (reserved) return { kind: reserved, header: h };
    const term = guardianOf.get(norm(h));
    if (term) return { kind: "guardian", header: h, term };
    const claim = CLAIM.exec(h);
    if (claim) return { kind: "claim", header: h, field: claim[1] };
    let path = aliases.get(norm(h));
    if (!path) {
      try {
        const segments = parsePath(h);
        if (segments.length > 0 && schemaAt(schema, segments)) path = h;
      } catch {
        // not a path either
      }
    }
    if (!path) {
      unknown.push(h);
      return { kind: "ignored", header: h };
    }
    const segments = parsePath(path);
    return { kind: "field", header: h, path, segments, schema: schemaAt(schema, segments) };
  });
  if (unknown.length > 0)
    throw new IntakeError(
      "UNKNOWN_COLUMNS",
      `${unknown.length === 1 ? "A column names" : `${unknown.length} columns name`} nothing of the type ${type.code}: ${unknown.map((u) => JSON.stringify(u)).join(", ")}. ` +
        `Use its field paths or titles (certledger types ${type.code}), holder/持有人, validFrom, validUntil, claim.<field> or guardian/监护人 (with guardian.validUntil/监护截止).`,
      { columns: unknown },
    );
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const c of columns) {
    const key =
      c.kind === "field"
        ? `field:${c.path}`
        : c.kind === "claim"
          ? `claim:${c.field}`
          : c.kind === "guardian"
            ? `guardian:${c.term}`
            : c.kind;
    if (c.kind === "ignored") continue;
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(`${JSON.stringify(first)} and ${JSON.stringify(c.header)}`);
    else seen.set(key, c.header);
  }
  if (duplicates.length > 0)
    throw new IntakeError("DUPLICATE_COLUMNS", `Columns name the same thing twice: ${duplicates.join("; ")}.`, {
      columns: duplicates,
    });
  return columns;
}
