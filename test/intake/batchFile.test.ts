/**
 * Reading agencies' batch files (src/intake): GB18030 and UTF-8-with-BOM CSVs with Chinese column
 * titles, an .xlsx workbook written by exceljs, unknown columns, and every bad row reported at once.
 */
import { expect } from "chai";
import ExcelJS from "exceljs";
import { getCertificateType } from "../../src/domain/catalog";
import { batchItemOf, IntakeError, readBatchFile } from "../../src/intake";
import { DIPLOMA_ZH, diplomaCsv, diplomaRows, gb18030, utf8Bom } from "../support/batchFiles";

const diploma = getCertificateType("diploma")!;

async function refusal(p: Promise<unknown>): Promise<IntakeError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(IntakeError);
    return e as IntakeError;
  }
  throw new Error("expected an IntakeError");
}

describe("batch files (src/intake)", () => {
  const rows = diplomaRows(4);

  it("reads a GB18030 CSV with Chinese titles, detecting the encoding, into the type's fields", async () => {
    const bytes = gb18030(diplomaCsv(rows));
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes), "the fixture is not UTF-8").to.throw();
    const read = await readBatchFile(bytes, diploma);
    expect(read.table).to.include({ format: "csv", encoding: "gb18030" });
    expect(read.problems).to.deep.equal([]);
    expect(read.rows).to.deep.equal(rows.map((r, i) => ({ row: i + 2, holder: r.holder, fields: r.fields })));
  });

  it("reads a UTF-8 CSV with a byte order mark and Chinese titles; --encoding gb18030 names the same rows", async () => {
    const read = await readBatchFile(utf8Bom(diplomaCsv(rows)), diploma);
    expect(read.table.encoding).to.equal("utf-8-bom");
    expect(read.rows.map((r) => r.fields)).to.deep.equal(rows.map((r) => r.fields));
    const gb = await readBatchFile(gb18030(diplomaCsv(rows)), diploma, { encoding: "gbk" });
    expect(gb.rows.map((r) => r.fields.name)).to.deep.equal(rows.map((r) => r.fields.name));
  });

  it("refuses --encoding utf-8 for a GB18030 file, and an encoding it does not know", async () => {
    const bad = await refusal(readBatchFile(gb18030(diplomaCsv(rows)), diploma, { encoding: "utf-8" }));
    expect(bad.code).to.equal("BAD_ENCODING");
    expect((await refusal(readBatchFile(Buffer.from("a"), diploma, { encoding: "latin9" }))).code).to.equal(
      "UNSUPPORTED_ENCODING",
    );
  });

  it("takes English titles, field paths and enum labels (男, Doctorate) as well as values", async () => {
    const f = rows[0].fields;
    const csv =
      "Holder,Name,gender,Date of birth,Resident ID number,certificateNumber,Institution,专业,Education level,Mode of study,Enrolment date,毕业日期\n" +
      `${rows[0].holder},${f.name},${f.gender === "male" ? "男" : "女"},${f.birthDate},${f.idNumber},${f.certificateNumber},${f.institution},${f.major},` +
      `${{ "high-school": "高中", "junior-college": "专科", bachelor: "Bachelor", master: "Master", doctor: "Doctorate" }[f.level]},` +
      `${f.studyMode === "full-time" ? "全日制" : "Part-time"},${f.enrolmentDate},${f.graduationDate}\n`;
    const read = await readBatchFile(Buffer.from(csv), diploma);
    expect(read.problems).to.deep.equal([]);
    expect(read.rows[0].fields).to.deep.equal(f);
  });

  it("reads an .xlsx made by exceljs: the first sheet, or the one --sheet names; date cells become dates", async () => {
    const wb = new ExcelJS.Workbook();
    const cover = wb.addWorksheet("说明");
    cover.addRow(["说明"]);
    cover.addRow(["本工作簿第二页为毕业生名单"]);
    const ws = wb.addWorksheet("毕业生");
    const keys = Object.keys(DIPLOMA_ZH);
    ws.addRow(["持有人", ...keys.map((k) => DIPLOMA_ZH[k])]);
    for (const r of rows)
      ws.addRow([
        r.holder,
        ...keys.map((k) =>
          // Excel keeps dates as dates: the graduation date is a date cell, as an agency's sheet would have it.
          k === "graduationDate" ? new Date(`${r.fields[k]}T00:00:00Z`) : r.fields[k],
        ),
      ]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const read = await readBatchFile(bytes, diploma, { fileName: "graduates.xlsx", sheet: "毕业生" });
    expect(read.table).to.include({ format: "xlsx", sheet: "毕业生" });
    expect(read.problems).to.deep.equal([]);
    expect(read.rows).to.deep.equal(rows.map((r, i) => ({ row: i + 2, holder: r.holder, fields: r.fields })));
    expect((await readBatchFile(bytes, diploma, { sheet: "2" })).rows).to.have.length(rows.length);
    const first = await refusal(readBatchFile(bytes, diploma));
    expect(first.code, "the first sheet is the cover, whose title names no field").to.equal("UNKNOWN_COLUMNS");
    expect((await refusal(readBatchFile(bytes, diploma, { sheet: "名单" }))).code).to.equal("SHEET_NOT_FOUND");
  });

  it("refuses unknown columns, naming every one of them, before reading any row", async () => {
    const csv = diplomaCsv(rows).replace("姓名", "名字").replace("专业", "Speciality");
    const e = await refusal(readBatchFile(Buffer.from(csv), diploma));
    expect(e.code).to.equal("UNKNOWN_COLUMNS");
    expect(e.details).to.deep.equal({ columns: ["名字", "Speciality"] });
    expect(e.message).to.include('"名字"').and.include('"Speciality"');
  });

  it("lists exactly the three bad rows of a file, with row, column and code, check digits included", async () => {
    const ten = diplomaRows(10);
    const id = ten[2].fields.idNumber;
    ten[2] = { ...ten[2], fields: { ...ten[2].fields, idNumber: id.slice(0, 17) + (id[17] === "1" ? "2" : "1") } };
    ten[5] = { ...ten[5], holder: "0x1234" };
    ten[8] = { ...ten[8], fields: { ...ten[8].fields, graduationDate: "2010-02-30" } };
    const read = await readBatchFile(gb18030(diplomaCsv(ten)), diploma);
    expect(read.problems.map(({ row, column, code }) => ({ row, column, code }))).to.deep.equal([
      { row: 4, column: "公民身份号码", code: "INVALID_ID_NUMBER_CHECK_DIGIT" },
      { row: 7, column: "持有人", code: "INVALID_HOLDER" },
      { row: 10, column: "毕业日期", code: "INVALID_DATE" },
    ]);
    expect(read.rows.map((r) => r.row)).to.deep.equal([2, 3, 5, 6, 8, 9, 11]);
    expect(read.problems.every((p) => !p.message.includes(id))).to.equal(true);
  });

  it("reads a row with claim.<field> columns and no holder as a claim reference, passed on only where claims are taken", async () => {
    const f = rows[0].fields;
    const keys = Object.keys(DIPLOMA_ZH);
    const csv =
      `持有人,claim.idNumber,claim.studentNumber,${keys.map((k) => DIPLOMA_ZH[k]).join(",")}\n` +
      `,${f.idNumber},S2024001,${keys.map((k) => f[k]).join(",")}\n` +
      `,,,${keys.map((k) => f[k]).join(",")}\n`;
    const read = await readBatchFile(Buffer.from(csv), diploma);
    expect(read.rows).to.have.length(1);
    expect(read.rows[0].claim).to.deep.equal({ idNumber: f.idNumber, studentNumber: "S2024001" });
    expect(read.problems.map((p) => [p.row, p.column, p.code])).to.deep.equal([[3, "持有人", "MISSING_HOLDER"]]);
    expect(batchItemOf(read.rows[0], false).problem).to.include({ row: 2, code: "CLAIM_NOT_SUPPORTED" });
    expect(batchItemOf(read.rows[0], true).item).to.deep.equal({
      claim: { reference: { idNumber: f.idNumber, studentNumber: "S2024001" } },
      fields: f,
    });
  });
});
