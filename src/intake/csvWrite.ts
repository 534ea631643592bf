/**
 * Lines of the CSV files the CLI writes for the agency (errors, rejects, manifest): RFC 4180 quoting,
 * CRLF, and a UTF-8 byte order mark at the head of the file so that Excel on Chinese Windows opens
 * them with the Chinese intact.
 */
export const CSV_BOM = "\ufeff";

export function csvLine(cells: readonly (string | number | undefined)[]): string {
  return `${cells
    .map((c) => {
      const s = c === undefined ? "" : String(c);
      return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",")}\r\n`;
}
