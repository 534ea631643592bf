/**
 * Batch input files: CSV (RFC 4180: quoted cells, doubled quotes, CRLF) whose header row names field
 * paths (name, address.city, children[0].name) plus the reserved columns holder, validFrom and
 * validUntil; or JSON (an array of items, or { type, items }). CSV cells are text, so each is typed
 * by the certificate type's JSON Schema (integer, number, boolean; empty = absent).
 */
import { CliError, parseTime } from "./output";

export interface BatchItem {
  holder: string;
  fields: Record<string, unknown>;
  validFrom?: number;
  validUntil?: number;
}

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (quoted) throw new CliError("BAD_CSV", "The CSV ends inside a quoted cell.");
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema };

function schemaAt(schema: Schema | undefined, segments: (string | number)[]): Schema | undefined {
  let s = schema;
  for (const seg of segments) s = typeof seg === "number" ? s?.items : s?.properties?.[seg];
  return s;
}

function typed(cell: string, schema: Schema | undefined, where: string): unknown {
  const types = schema?.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("integer") || types.includes("number")) {
    const n = Number(cell);
    if (cell.trim() === "" || Number.isNaN(n))
      throw new CliError("BAD_CSV", `${where}: ${JSON.stringify(cell)} is not a number.`);
    return n;
  }
  if (types.includes("boolean")) {
    if (/^(true|yes|1)$/i.test(cell)) return true;
    if (/^(false|no|0)$/i.test(cell)) return false;
    throw new CliError("BAD_CSV", `${where}: ${JSON.stringify(cell)} is not true or false.`);
  }
  return cell;
}

function setPath(target: Record<string, unknown>, segments: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  segments.forEach((seg, i) => {
    if (i === segments.length - 1) node[seg] = value;
    else {
      node[seg] ??= typeof segments[i + 1] === "number" ? [] : {};
      node = node[seg] as Record<string | number, unknown>;
    }
  });
}

/** CSV rows → batch items; a header that is not a field path is refused before anything is sent. */
export function csvItems(text: string, schema: Schema, parsePath: (p: string) => (string | number)[]): BatchItem[] {
  const [header, ...rows] = parseCsv(text);
  if (!header || rows.length === 0)
    throw new CliError("BAD_CSV", "The CSV needs a header row and at least one data row.");
  const columns = header.map((h) => h.trim());
  const holderAt = columns.indexOf("holder");
  if (holderAt < 0)
    throw new CliError("BAD_CSV", 'The CSV has no "holder" column (the holder address of each certificate).');
  const paths = columns.map((c, i) => {
    if (c === "holder" || c === "validFrom" || c === "validUntil") return undefined;
    try {
      return parsePath(c);
    } catch (e) {
      throw new CliError(
        "BAD_CSV",
        `Column ${i + 1} (${JSON.stringify(c)}) is not a field path: ${(e as Error).message}.`,
      );
    }
  });
  return rows.map((cells, r) => {
    const line = r + 2;
    if (cells.length !== columns.length)
      throw new CliError("BAD_CSV", `Line ${line} has ${cells.length} cells; the header has ${columns.length}.`);
    const fields: Record<string, unknown> = {};
    let validFrom: number | undefined;
    let validUntil: number | undefined;
    cells.forEach((cell, c) => {
      const p = paths[c];
      if (cell === "") return;
      if (columns[c] === "validFrom") validFrom = parseTime(cell, `line ${line} validFrom`);
      else if (columns[c] === "validUntil") validUntil = parseTime(cell, `line ${line} validUntil`);
      else if (p) setPath(fields, p, typed(cell, schemaAt(schema, p), `line ${line}, ${columns[c]}`));
    });
    return {
      holder: cells[holderAt].trim(),
      fields,
      ...(validFrom === undefined ? {} : { validFrom }),
      ...(validUntil === undefined ? {} : { validUntil }),
    };
  });
}

/** JSON batch file: [items] or { type, items }. */
export function jsonItems(text: string): { type?: string; items: BatchItem[] } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError("BAD_JSON", `The batch file is not JSON: ${(e as Error).message}.`);
  }
  const body = Array.isArray(v) ? { items: v } : (v as { type?: string; items?: unknown });
  if (!body || !Array.isArray(body.items))
    throw new CliError("BAD_JSON", 'The batch file must be an array of items or { "type", "items": [...] }.');
  return { type: body.type, items: body.items as BatchItem[] };
}
