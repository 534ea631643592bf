/**
 * Rows of an agency's file → certificates to issue, with every problem of every row collected (row,
 * column, code, message) rather than stopping at the first. Cells are text: each is typed by the
 * type's JSON Schema (numbers, yes/no, an enum value or its Chinese/English title), then the row's
 * fields are validated with the catalog's validators, check digits of ID numbers and credit codes
 * included; a guardian's terms are checked as the issue routes check them (src/domain/issuance.ts).
 * Messages never repeat a cell's value: it is personal data, and error files travel.
 */
import { checkValidityPeriod, PURPOSES, validateFields, type CertificateType } from "../domain/catalog";
import { PURPOSE_CODE, purposeHash } from "../domain/counter";
import { guardianNeedsHolder, guardianTermsProblem, type GuardianTerms } from "../domain/issuance";
import type { Address, Bytes32 } from "../domain/ports";
import { formatPath, type PathSegment } from "../document/paths";
import { GUARDIAN_COLUMNS, type Column, type GuardianTerm } from "./columns";
import type { Table } from "./table";

type Schema = Record<string, unknown>;

export interface RowProblem {
  readonly row: number;
  readonly column: string;
  readonly code: string;
  readonly message: string;
}

/** A row that passed every check: whom it is for (a holder address or a claim reference) and its fields. */
export interface ParsedRow {
  readonly row: number;
  readonly holder?: string;
  readonly claim?: Readonly<Record<string, string>>;
  readonly fields: Record<string, unknown>;
  readonly validFrom?: number;
  readonly validUntil?: number;
  /** The guardian the agency names for this (minor's) certificate. */
  readonly guardian?: GuardianTerms;
}

/** What reading rows needs besides the rows: the time a guardian's validUntil must be after. */
export interface ParseRowsOptions {
  /** Unix seconds; default: the clock now. */
  readonly now?: number;
}

export interface ParsedRows {
  /** Rows without problems, in file order. */
  readonly rows: ParsedRow[];
  /** Every problem, in file order; a row may have several. */
  readonly problems: RowProblem[];
  /** How many rows the file holds (valid or not). */
  readonly total: number;
  /** The rows with problems (their numbers), for a rejects file. */
  readonly invalidRows: ReadonlySet<number>;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const TRUE = new Set(["true", "yes", "y", "1", "是", "√"]);
const FALSE = new Set(["false", "no", "n", "0", "否", "×"]);

const MESSAGES = {
  NOT_A_NUMBER: "This cell must be a number.",
  NOT_A_BOOLEAN: "This cell must be yes or no (true/false, 是/否, 1/0).",
  BAD_JSON_CELL: "This column holds a list or an object: write it as JSON.",
  INVALID_TIME: "Not a time: write unix seconds, a date (YYYY-MM-DD) or an ISO 8601 date-time.",
  INVALID_HOLDER: "Not a holder address (0x followed by 40 hex digits, from the holder's wallet).",
  MISSING_HOLDER: "The row names no holder address and no claim reference (claim.<field> columns).",
  HOLDER_AND_CLAIM: "A row is issued either to a holder address or to a claim reference, not both.",
  EXTRA_CELLS: "This row has more cells than the header has columns.",
  VALIDITY_NOT_INTEGER: "The validity times must be whole seconds, not before 1970.",
  VALIDITY_REVERSED: "validUntil must be after validFrom.",
  VALIDITY_TOO_LONG: "The validity is longer than this certificate type allows.",
  INVALID_GUARDIAN: "Not a guardian address (0x followed by 40 hex digits: the guardian wallet's delegate address).",
  INVALID_VERIFIER: "Not a verifier address (0x followed by 40 hex digits).",
  INVALID_PURPOSE:
    "Not a purpose code (1-64 lower-case letters, digits, '.', '_' or '-', such as school-enrolment) or a purpose's name.",
  GUARDIAN_VALID_UNTIL_MISSING: "A guardian is named: give when the guardian's delegation ends (guardian.validUntil).",
  GUARDIAN_TERMS_WITHOUT_GUARDIAN: "This row gives a guardian's terms but names no guardian (guardian column).",
} as const;

/** Unix seconds from "1767225600", "2030-01-01" (UTC midnight) or an ISO 8601 date-time; undefined if none. */
export function parseTimeCell(text: string): number | undefined {
  if (/^\d{1,13}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** "school-enrolment", "入学报名" or "School enrolment" → the purpose code; undefined if none. */
function purposeCodeOf(cell: string): string | undefined {
  const named = PURPOSES.find((p) => p.nameZh === cell || p.nameEn.toLowerCase() === cell.toLowerCase());
  if (named) return named.code;
  return PURPOSE_CODE.test(cell) ? cell : undefined;
}

function setPath(target: Record<string, unknown>, segments: readonly PathSegment[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  segments.forEach((seg, i) => {
    if (i === segments.length - 1) node[seg] = value;
    else {
      node[seg] ??= typeof segments[i + 1] === "number" ? [] : {};
      node = node[seg] as Record<string | number, unknown>;
    }
  });
}

type Typed = { value: unknown } | { code: keyof typeof MESSAGES };

/** A cell's text as the value its schema wants. */
function typed(cell: string, schema: Schema | undefined): Typed {
  const types = schema?.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("integer") || types.includes("number")) {
    const n = Number(cell);
    return Number.isNaN(n) ? { code: "NOT_A_NUMBER" } : { value: n };
  }
  if (types.includes("boolean")) {
    const v = cell.toLowerCase();
    return TRUE.has(v) ? { value: true } : FALSE.has(v) ? { value: false } : { code: "NOT_A_BOOLEAN" };
  }
  if (types.includes("object") || types.includes("array")) {
    try {
      return { value: JSON.parse(cell) };
    } catch {
      return { code: "BAD_JSON_CELL" };
    }
  }
  const values = schema?.enum as unknown[] | undefined;
  const titles = schema?.["x-enum-titles"] as { zh: string; en: string }[] | undefined;
  if (values && titles && !values.includes(cell)) {
    // "男" or "Male" for "male": the agency's system exports the label, not the code.
    const i = titles.findIndex((t) => t.zh === cell || t.en.toLowerCase() === cell.toLowerCase());
    if (i >= 0) return { value: values[i] };
  }
  return { value: cell };
}

const unescapePointer = (part: string) => part.replace(/~1/g, "/").replace(/~0/g, "~");

/** The column a field error belongs to: the one whose path is the error's or encloses it; else the field path. */
function columnOfPointer(pointer: string, columns: readonly Column[]): string {
  const parts: PathSegment[] = pointer
    .split("/")
    .slice(1)
    .map((p) => (/^(0|[1-9]\d*)$/.test(p) ? Number(p) : unescapePointer(p)));
  let best: { header: string; depth: number } | undefined;
  for (const c of columns) {
    if (c.kind !== "field" || c.segments.length > parts.length) continue;
    if (c.segments.every((s, i) => s === parts[i]) && (!best || c.segments.length > best.depth))
      best = { header: c.header, depth: c.segments.length };
  }
  if (best) return best.header;
  return parts.length === 0 ? "" : typeof parts[0] === "number" ? pointer : formatPath(parts);
}

/** Reads every row; nothing is thrown for a bad row, it is reported. */
export function parseRows(
  table: Pick<Table, "rows">,
  columns: readonly Column[],
  type: CertificateType,
  opts: ParseRowsOptions = {},
): ParsedRows {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  const invalidRows = new Set<number>();
  for (const { row, cells } of table.rows) {
    const mine: RowProblem[] = [];
    const problem = (column: string, code: string, message: string) => mine.push({ row, column, code, message });
    const fields: Record<string, unknown> = {};
    let holder: string | undefined;
    let claim: Record<string, string> | undefined;
    let validFrom: number | undefined;
    let validUntil: number | undefined;
    const guardian: GuardianCells = {};
    for (let c = columns.length; c < cells.length; c++)
      if (cells[c].trim() !== "") problem(`(column ${c + 1})`, "EXTRA_CELLS", MESSAGES.EXTRA_CELLS);
    columns.forEach((col, c) => {
      const cell = (cells[c] ?? "").trim();
      if (cell === "" || col.kind === "ignored") return;
      switch (col.kind) {
        case "holder":
          if (ADDRESS.test(cell)) holder = cell;
          else problem(col.header, "INVALID_HOLDER", MESSAGES.INVALID_HOLDER);
          return;
        case "claim":
          (claim ??= {})[col.field] = cell;
          return;
        case "guardian":
          guardianCell(col.term, cell, col.header, guardian, problem);
          return;
        case "validFrom":
        case "validUntil": {
          const t = parseTimeCell(cell);
          if (t === undefined) problem(col.header, "INVALID_TIME", MESSAGES.INVALID_TIME);
          else if (col.kind === "validFrom") validFrom = t;
          else validUntil = t;
          return;
        }
        case "field": {
          const v = typed(cell, col.schema);
          if ("code" in v) problem(col.header, v.code, MESSAGES[v.code]);
          else setPath(fields, col.segments, v.value);
        }
      }
    });
    const parsed = checkRow({ row, holder, claim, fields, validFrom, validUntil }, columns, type, mine, {
      cells: guardian,
      now,
    });
    if (parsed) rows.push(parsed);
    else {
      problems.push(...mine);
      invalidRows.add(row);
    }
  }
  return { rows, problems, total: table.rows.length, invalidRows };
}

/** A row's guardian cells as read (each term given and well-formed), or marked as given but refused. */
type GuardianCells = {
  delegate?: Address;
  validUntil?: number;
  online?: boolean;
  verifier?: Address;
  /** keccak256 of the purpose code. */
  purpose?: Bytes32;
  /** Terms whose cell was given, readable or not. */
  given?: Set<GuardianTerm>;
};

/** Reads one guardian cell into `into`, or reports why it cannot be read. */
function guardianCell(
  term: GuardianTerm,
  cell: string,
  column: string,
  into: GuardianCells,
  problem: (column: string, code: string, message: string) => void,
): void {
  (into.given ??= new Set()).add(term);
  const refuse = (code: keyof typeof MESSAGES) => problem(column, code, MESSAGES[code]);
  switch (term) {
    case "delegate":
      if (ADDRESS.test(cell)) into.delegate = cell as Address;
      else refuse("INVALID_GUARDIAN");
      return;
    case "verifier":
      if (ADDRESS.test(cell)) into.verifier = cell as Address;
      else refuse("INVALID_VERIFIER");
      return;
    case "validUntil": {
      const t = parseTimeCell(cell);
      if (t === undefined) refuse("INVALID_TIME");
      else into.validUntil = t;
      return;
    }
    case "online": {
      const v = cell.toLowerCase();
      if (TRUE.has(v)) into.online = true;
      else if (FALSE.has(v)) into.online = false;
      else refuse("NOT_A_BOOLEAN");
      return;
    }
    case "purpose": {
      // A JSON item may carry the hash itself, as POST /v1/agency/batches takes it.
      if (BYTES32.test(cell)) into.purpose = cell.toLowerCase() as Bytes32;
      else {
        const code = purposeCodeOf(cell);
        if (code === undefined) refuse("INVALID_PURPOSE");
        else into.purpose = purposeHash(code);
      }
    }
  }
}

/**
 * A row's guardian once its cells are read: none without a guardian cell (and then no other guardian
 * term either), else the terms, checked as the issue routes check them. Reports to `problem`.
 */
function checkGuardian(
  r: { holder?: string; claim?: Record<string, string> },
  g: GuardianCells,
  columns: readonly Column[],
  now: number,
  problem: (column: string, code: string, message: string) => void,
): GuardianTerms | undefined {
  const given = g.given ?? new Set<GuardianTerm>();
  if (given.size === 0) return undefined;
  const header = (term: GuardianTerm) =>
    columns.find((c) => c.kind === "guardian" && c.term === term)?.header ?? `guardian.${term}`;
  if (!given.has("delegate")) {
    for (const term of given)
      problem(header(term), "GUARDIAN_TERMS_WITHOUT_GUARDIAN", MESSAGES.GUARDIAN_TERMS_WITHOUT_GUARDIAN);
    return undefined;
  }
  if (r.holder === undefined && r.claim) {
    const e = guardianNeedsHolder();
    problem(header("delegate"), e.code, e.message);
    return undefined;
  }
  if (!given.has("validUntil"))
    problem(header("validUntil"), "GUARDIAN_VALID_UNTIL_MISSING", MESSAGES.GUARDIAN_VALID_UNTIL_MISSING);
  // A cell refused for its form was reported where it was read.
  if (g.delegate === undefined || g.validUntil === undefined || r.holder === undefined) return undefined;
  const terms: GuardianTerms = {
    delegate: g.delegate,
    validUntil: g.validUntil,
    ...(g.online !== undefined ? { online: g.online } : {}),
    ...(g.verifier !== undefined ? { verifier: g.verifier } : {}),
    ...(g.purpose !== undefined ? { purpose: g.purpose } : {}),
  };
  const p = guardianTermsProblem(terms, r.holder as Address, now);
  if (p) {
    problem(header(p.term), p.code, `${p.reason}.`);
    return undefined;
  }
  return terms;
}

/**
 * The checks of a whole row once its cells are read: whom it is for, its fields against the type's
 * schema, its validity window. Adds to `problems`; the row back when it has none.
 */
function checkRow(
  r: ParsedRow & { holder?: string; claim?: Record<string, string> },
  columns: readonly Column[],
  type: CertificateType,
  problems: RowProblem[],
  g: { cells: GuardianCells; now: number },
): ParsedRow | undefined {
  const problem = (column: string, code: string, message: string) =>
    problems.push({ row: r.row, column, code, message });
  const holderColumn = columns.find((c) => c.kind === "holder")?.header ?? "holder";
  if (r.holder !== undefined && r.claim) problem(holderColumn, "HOLDER_AND_CLAIM", MESSAGES.HOLDER_AND_CLAIM);
  else if (r.holder === undefined && !r.claim && !problems.some((p) => p.code === "INVALID_HOLDER"))
    problem(holderColumn, "MISSING_HOLDER", MESSAGES.MISSING_HOLDER);
  const checked = validateFields(type, r.fields);
  if (!checked.ok)
    for (const e of checked.errors) {
      const column = columnOfPointer(e.path, columns);
      // A cell already refused for its form (not a number, say) is absent from fields: not "missing" too.
      if (!problems.some((p) => p.column === column)) problem(column, e.code, e.message);
    }
  if (r.validFrom !== undefined && r.validUntil !== undefined) {
    const v = checkValidityPeriod(type, r.validFrom, r.validUntil);
    if (v && v !== "UNKNOWN_CERTIFICATE_TYPE")
      problem(columns.find((c) => c.kind === "validUntil")?.header ?? "validUntil", v, MESSAGES[v]);
  }
  const guardian = checkGuardian(r, g.cells, columns, g.now, problem);
  if (problems.length > 0) return undefined;
  return {
    row: r.row,
    fields: r.fields,
    ...(guardian ? { guardian } : {}),
    ...(r.holder !== undefined ? { holder: r.holder } : {}),
    ...(r.claim ? { claim: r.claim } : {}),
    ...(r.validFrom !== undefined ? { validFrom: r.validFrom } : {}),
    ...(r.validUntil !== undefined ? { validUntil: r.validUntil } : {}),
  };
}

/**
 * Items of a JSON batch file ({ holder | claim.reference, fields, validFrom?, validUntil? }), checked
 * like rows; an item's "row" is its 1-based position in the file's list, a column is a field path.
 */
export function checkItems(items: readonly unknown[], type: CertificateType, opts: ParseRowsOptions = {}): ParsedRows {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  const invalidRows = new Set<number>();
  items.forEach((raw, i) => {
    const row = i + 1;
    const mine: RowProblem[] = [];
    const it = (raw ?? {}) as Record<string, unknown>;
    const fields = it.fields !== null && typeof it.fields === "object" && !Array.isArray(it.fields) ? it.fields : {};
    let holder: string | undefined;
    if (it.holder !== undefined) {
      if (typeof it.holder === "string" && ADDRESS.test(it.holder)) holder = it.holder;
      else mine.push({ row, column: "holder", code: "INVALID_HOLDER", message: MESSAGES.INVALID_HOLDER });
    }
    const ref = (it.claim as { reference?: unknown } | undefined)?.reference;
    const claim =
      ref !== null && typeof ref === "object"
        ? Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, String(v)]))
        : undefined;
    const time = (v: unknown, column: string) => {
      if (v === undefined) return undefined;
      if (typeof v === "number" && Number.isSafeInteger(v)) return v;
      const t = typeof v === "string" ? parseTimeCell(v) : undefined;
      if (t === undefined) mine.push({ row, column, code: "INVALID_TIME", message: MESSAGES.INVALID_TIME });
      return t;
    };
    const validFrom = time(it.validFrom, "validFrom");
    const validUntil = time(it.validUntil, "validUntil");
    // { guardian: { delegate, validUntil, online?, purpose?, verifier? } }, as POST /v1/agency/batches takes it.
    const guardian: GuardianCells = {};
    const g = it.guardian;
    if (g !== undefined && g !== null)
      for (const term of Object.keys(GUARDIAN_COLUMNS) as GuardianTerm[]) {
        const v = typeof g === "object" ? (g as Record<string, unknown>)[term] : term === "delegate" ? g : undefined;
        if (v !== undefined)
          guardianCell(
            term,
            typeof v === "object" ? JSON.stringify(v) : String(v),
            `guardian.${term}`,
            guardian,
            (column, code, message) => mine.push({ row, column, code, message }),
          );
      }
    const parsed = checkRow(
      { row, holder, claim, fields: fields as Record<string, unknown>, validFrom, validUntil },
      [],
      type,
      mine,
      { cells: guardian, now },
    );
    if (parsed) rows.push(parsed);
    else {
      problems.push(...mine);
      invalidRows.add(row);
    }
  });
  return { rows, problems, total: items.length, invalidRows };
}
