/**
 * Reading an agency's batch file (CSV in UTF-8 or GB18030, or an .xlsx workbook) into certificates to
 * issue, every problem of every row reported at once. Shared by `certledger issue-batch` and the
 * agency console's upload preview (POST /v1/agency/batches/preview). No I/O: it takes the bytes.
 */
import type { CertificateType } from "../domain/catalog";
import { mapColumns, type Column } from "./columns";
import { parseRows, type ParsedRows, type ParseRowsOptions } from "./rows";
import { readTable, type ReadTableOptions, type Table } from "./table";

export { decodeText, ENCODING_CHOICES, type DetectedEncoding } from "./decode";
export { IntakeError } from "./errors";
export { GUARDIAN_COLUMNS, mapColumns, RESERVED_COLUMNS, type Column, type GuardianTerm } from "./columns";
export {
  checkItems,
  parseRows,
  parseTimeCell,
  type ParsedRow,
  type ParsedRows,
  type ParseRowsOptions,
  type RowProblem,
} from "./rows";
export { readTable, isWorkbook, type ReadTableOptions, type Table, type TableRow } from "./table";
export { batchItemOf, recipientOf, CLAIM_NOT_SUPPORTED, type BatchItem } from "./items";

export interface ReadBatchFile extends ParsedRows {
  readonly table: Table;
  readonly columns: Column[];
}

/** Bytes of a CSV or xlsx file → its table, its columns and its checked rows. */
export async function readBatchFile(
  bytes: Uint8Array,
  type: CertificateType,
  opts: ReadTableOptions & ParseRowsOptions = {},
): Promise<ReadBatchFile> {
  const table = await readTable(bytes, opts);
  const columns = mapColumns(table.header, type, (i) => table.rows.some((r) => (r.cells[i] ?? "").trim() !== ""));
  return { table, columns, ...parseRows(table, columns, type, { now: opts.now }) };
}
export { csvLine, CSV_BOM } from "./csvWrite";
