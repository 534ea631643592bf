/**
 * An agency's file as a table of text cells: CSV (csv-parse, after src/intake/decode.ts has found the
 * encoding) or an .xlsx workbook (exceljs; the first sheet, or the one named or numbered). Row numbers
 * are the ones the agency sees: the CSV line, the spreadsheet row, with the header on row 1.
 */
import { parse } from "csv-parse/sync";
import type ExcelJS from "exceljs";
import { decodeText, type DetectedEncoding } from "./decode";
import { IntakeError } from "./errors";

export interface TableRow {
  /** The line (CSV) or row (xlsx) of the file, 1-based. */
  readonly row: number;
  readonly cells: readonly string[];
}

export interface Table {
  readonly format: "csv" | "xlsx";
  readonly encoding?: DetectedEncoding;
  readonly sheet?: string;
  readonly header: readonly string[];
  readonly headerRow: number;
  readonly rows: readonly TableRow[];
}

export interface ReadTableOptions {
  /** The file's name: ".xlsx" selects the workbook reader (so does the ZIP signature). */
  fileName?: string;
  /** CSV only: auto (default), utf-8, gb18030, gbk, gb2312. */
  encoding?: string;
  /** xlsx only: the worksheet's name or 1-based number (default: the first). */
  sheet?: string;
}

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

export function isWorkbook(bytes: Uint8Array, fileName?: string): boolean {
  return /\.xlsx$/i.test(fileName ?? "") || isZip(bytes);
}

export async function readTable(bytes: Uint8Array, opts: ReadTableOptions = {}): Promise<Table> {
  if (isWorkbook(bytes, opts.fileName)) {
    if (/\.xls$/i.test(opts.fileName ?? "") || (bytes[0] === 0xd0 && bytes[1] === 0xcf))
      throw new IntakeError("UNSUPPORTED_FILE", "Old .xls workbooks are not read: save the sheet as .xlsx or CSV.");
    return readWorkbook(bytes, opts.sheet);
  }
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
    throw new IntakeError("UNSUPPORTED_FILE", "Old .xls workbooks are not read: save the sheet as .xlsx or CSV.");
  const { text, encoding } = decodeText(bytes, opts.encoding);
  return { format: "csv", encoding, ...fromRecords(parseCsv(text)) };
}

function parseCsv(text: string): TableRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    throw new IntakeError(
      "BAD_CSV",
      `The CSV cannot be read${err.lines ? ` (line ${err.lines})` : ""}: ${err.message.replace(/^Invalid[^:]*: /, "")}`,
      { csvCode: err.code, line: err.lines },
    );
  }
  return records
    .map(({ record, info }) => ({ row: info.lines, cells: record }))
    .filter((r) => r.cells.some((c) => c.trim() !== ""));
}

function fromRecords(rows: TableRow[]): Pick<Table, "header" | "headerRow" | "rows"> {
  const [head, ...data] = rows;
  if (!head || data.length === 0)
    throw new IntakeError("EMPTY_FILE", "The file needs a header row and at least one row of certificates.");
  return { header: head.cells.map((c) => c.trim()), headerRow: head.row, rows: data };
}

/** A cell as the agency sees it: dates as YYYY-MM-DD (or ISO time), formulas by their result. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
  }
  if (typeof v === "object") {
    if ("richText" in v) return v.richText.map((r) => r.text).join("");
    if ("formula" in v || "sharedFormula" in v)
      return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ("hyperlink" in v) return cellText((v as ExcelJS.CellHyperlinkValue).text);
    if ("error" in v) return String((v as ExcelJS.CellErrorValue).error);
    return "";
  }
  return String(v);
}

async function readWorkbook(bytes: Uint8Array, sheet?: string): Promise<Table> {
  // Loaded only for a workbook: exceljs takes a second to load, which a CSV run need not pay.
  const { Workbook } = require("exceljs") as typeof import("exceljs");
  const wb = new Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  } catch (e) {
    throw new IntakeError("BAD_XLSX", `The workbook cannot be read: ${(e as Error).message}.`);
  }
  const sheets = wb.worksheets;
  let ws: ExcelJS.Worksheet | undefined;
  if (sheet === undefined) ws = sheets[0];
  else if (/^\d+$/.test(sheet)) ws = sheets[Number(sheet) - 1];
  else ws = sheets.find((s) => s.name === sheet);
  if (!ws)
    throw new IntakeError(
      "SHEET_NOT_FOUND",
      sheet === undefined
        ? "The workbook has no worksheet."
        : `The workbook has no sheet ${JSON.stringify(sheet)}; its sheets: ${sheets.map((s) => JSON.stringify(s.name)).join(", ")}.`,
      { sheets: sheets.map((s) => s.name) },
    );
  const rows: TableRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as ExcelJS.CellValue[];
    const cells: string[] = [];
    for (let c = 1; c < values.length; c++) cells.push(cellText(values[c]));
    if (cells.some((c) => c.trim() !== "")) rows.push({ row: rowNumber, cells });
  });
  return { format: "xlsx", sheet: ws.name, ...fromRecords(rows) };
}
