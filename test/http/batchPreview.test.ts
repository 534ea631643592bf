/**
 * POST /v1/agency/batches/preview, behind the agency console's upload: an agency's file (GB18030 CSV
 * with Chinese titles, or an exceljs workbook) checked row by row, every problem answered at once,
 * nothing issued; a file that cannot be read as a whole is refused with its own code.
 */
import { expect } from "chai";
import ExcelJS from "exceljs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { DIPLOMA_ZH, diplomaCsv, diplomaRows, gb18030 } from "../support/batchFiles";

describe("POST /v1/agency/batches/preview", function () {
  this.timeout(120_000);
  let dataDir: string;
  let gw: Gateway;
  let auth: { authorization: string };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "certledger-preview-"));
    gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "silent" }), {
      logger: pino({ level: "silent" }),
      seed: "0x" + "5b".repeat(32),
    });
    auth = { authorization: `Bearer ${gw.credentials!.agencies.find((a) => a.types.includes("diploma"))!.apiKey}` };
  });
  after(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const preview = (content: Buffer, extra: Record<string, unknown> = {}) =>
    request(gw.app)
      .post("/v1/agency/batches/preview")
      .set(auth)
      .send({ type: "diploma", content: content.toString("base64"), ...extra });

  it("answers the valid rows as batch items and exactly the three bad rows of a GB18030 file; nothing is issued", async () => {
    const ten = diplomaRows(10);
    const id = ten[2].fields.idNumber;
    ten[2] = { ...ten[2], fields: { ...ten[2].fields, idNumber: id.slice(0, 17) + (id[17] === "1" ? "2" : "1") } };
    ten[5] = { ...ten[5], holder: "0x1234" };
    ten[8] = { ...ten[8], fields: { ...ten[8].fields, birthDate: "1990-13-01" } };
    const before = await request(gw.app).get("/v1/agency/certificates").set(auth).expect(200);
    const res = await preview(gb18030(diplomaCsv(ten)), { fileName: "毕业生.csv" }).expect(200);
    expect(res.body).to.include({ type: "diploma", format: "csv", encoding: "gb18030", rows: 10 });
    expect(
      res.body.problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code]),
    ).to.deep.equal([
      [4, "公民身份号码", "INVALID_ID_NUMBER_CHECK_DIGIT"],
      [7, "持有人", "INVALID_HOLDER"],
      [10, "出生日期", "INVALID_DATE"],
    ]);
    expect(res.body.items.map((i: { row: number }) => i.row)).to.deep.equal([2, 3, 5, 6, 8, 9, 11]);
    expect(res.body.items[0]).to.deep.equal({ row: 2, holder: ten[0].holder, fields: ten[0].fields });
    const after = await request(gw.app).get("/v1/agency/certificates").set(auth).expect(200);
    expect(after.body, "nothing was issued").to.deep.equal(before.body);
  });

  it("answers a row's guardian columns as its item's guardian, which POST /v1/agency/batches then puts on chain", async () => {
    const [a, b] = diplomaRows(2, 600);
    const guardian = `0x${"6c".repeat(20)}`;
    const keys = Object.keys(DIPLOMA_ZH);
    const csv =
      `持有人,监护人,监护截止,${keys.map((k) => DIPLOMA_ZH[k]).join(",")}\n` +
      `${a.holder},${guardian},2040-01-01,${keys.map((k) => a.fields[k]).join(",")}\n` +
      `${b.holder},${guardian},2001-01-01,${keys.map((k) => b.fields[k]).join(",")}\n`;
    const res = await preview(Buffer.from(csv)).expect(200);
    // "In the past" by the gateway's clock.
    expect(
      res.body.problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code]),
    ).to.deep.equal([[3, "监护截止", "DELEGATION_EXPIRED"]]);
    const terms = { delegate: guardian, validUntil: 2_208_988_800 };
    expect(res.body.items).to.deep.equal([{ row: 2, holder: a.holder, fields: a.fields, guardian: terms }]);
    // As the console sends the previewed items.
    const items = res.body.items.map(({ row: _row, ...item }: { row: number }) => item);
    const made = await request(gw.app)
      .post("/v1/agency/batches?wait=true")
      .set(auth)
      .send({ type: "diploma", items })
      .expect(201);
    const docs = await request(gw.app).get(`/v1/agency/batches/${made.body.batchId}/documents`).set(auth).expect(200);
    const named = docs.body.items[0].guardian;
    const onChain = await gw.deps.chain.delegation(named.delegationId);
    expect(onChain).to.deep.include({ certId: docs.body.items[0].certId, ...terms, online: false, revoked: false });
  });

  it("reads the sheet of an .xlsx workbook that the request names", async () => {
    const rows = diplomaRows(2);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("封面").addRow(["x"]);
    const ws = wb.addWorksheet("名单");
    const keys = Object.keys(DIPLOMA_ZH);
    ws.addRow(["持有人", ...keys.map((k) => DIPLOMA_ZH[k])]);
    for (const r of rows) ws.addRow([r.holder, ...keys.map((k) => r.fields[k])]);
    const res = await preview(Buffer.from(await wb.xlsx.writeBuffer()), { fileName: "g.xlsx", sheet: "名单" }).expect(
      200,
    );
    expect(res.body).to.include({ format: "xlsx", sheet: "名单", rows: 2 });
    expect(res.body.problems).to.deep.equal([]);
    expect(res.body.items.map((i: { fields: { name: string } }) => i.fields.name)).to.deep.equal(
      rows.map((r) => r.fields.name),
    );
  });

  it("refuses unknown columns (422 UNKNOWN_COLUMNS naming them), a bad encoding and a missing sheet, each with its code", async () => {
    const unknown = await preview(Buffer.from(diplomaCsv(diplomaRows(1)).replace("专业", "专业方向"))).expect(422);
    expect(unknown.body.error.code).to.equal("UNKNOWN_COLUMNS");
    expect(unknown.body.error.details).to.deep.equal({ columns: ["专业方向"] });
    const enc = await preview(gb18030(diplomaCsv(diplomaRows(1))), { encoding: "utf-8" }).expect(422);
    expect(enc.body.error.code).to.equal("BAD_ENCODING");
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("a").addRow(["x"]);
    const sheet = await preview(Buffer.from(await wb.xlsx.writeBuffer()), { sheet: "b" }).expect(422);
    expect(sheet.body.error.code).to.equal("SHEET_NOT_FOUND");
  });
});
