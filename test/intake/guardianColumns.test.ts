/**
 * The guardian columns of an agency's batch file (src/intake): a minor's guardian named by its wallet's
 * delegate address with the delegation's end, in Chinese or English titles, carried to the batch item;
 * and every problem of a guardian's cells reported with its row, column and code, the row not issued.
 */
import { expect } from "chai";
import { getCertificateType } from "../../src/domain/catalog";
import { purposeHash } from "../../src/domain/counter";
import { guardianNeedsHolder } from "../../src/domain/issuance";
import { batchItemOf, checkItems, IntakeError, mapColumns, readBatchFile } from "../../src/intake";
import { DIPLOMA_ZH, diplomaRows, gb18030, holderOf } from "../support/batchFiles";

const diploma = getCertificateType("diploma")!;
const keys = Object.keys(DIPLOMA_ZH);
const ZERO = `0x${"0".repeat(40)}`;
const NOW = 1_800_000_000;
/** 2040-01-01T00:00:00Z */
const END_2040 = 2_208_988_800;

/** A CSV of diploma rows with extra leading columns: `head` their titles, each row's `cells` their values. */
function csvWith(head: string[], rows: { holder: string; cells: string[] }[]): string {
  const fields = diplomaRows(rows.length, 300);
  return (
    `持有人,${head.join(",")},${keys.map((k) => DIPLOMA_ZH[k]).join(",")}\n` +
    rows.map((r, i) => `${r.holder},${r.cells.join(",")},${keys.map((k) => fields[i].fields[k]).join(",")}\n`).join("")
  );
}

describe("guardian columns of a batch file (src/intake)", () => {
  const guardian = holderOf(9001);
  const verifier = holderOf(9002);

  it("reads Chinese titles (监护人, 监护截止, 监护人可在线出示, 监护限定用途) into the row's guardian and its batch item", async () => {
    const holder = holderOf(9100);
    const csv = csvWith(
      ["监护人", "监护截止", "监护人可在线出示", "监护限定用途"],
      [
        { holder, cells: [guardian, "2040-01-01", "是", "入学报名"] },
        { holder: holderOf(9101), cells: ["", "", "", ""] },
      ],
    );
    const read = await readBatchFile(gb18030(csv), diploma, { now: NOW });
    expect(read.problems).to.deep.equal([]);
    const terms = { delegate: guardian, validUntil: END_2040, online: true, purpose: purposeHash("school-enrolment") };
    expect(read.rows[0].guardian).to.deep.equal(terms);
    expect(read.rows[1]).to.not.have.property("guardian");
    expect(batchItemOf(read.rows[0], false).item).to.deep.include({ holder, guardian: terms });
    expect(batchItemOf(read.rows[1], false).item).to.not.have.property("guardian");
  });

  it("reads English titles and names (Guardian, guardian.validUntil, Guardian online, guardian.verifier, guardian.purpose)", async () => {
    const csv = csvWith(
      ["Guardian", "guardian.validUntil", "Guardian online", "guardian.verifier", "guardian.purpose"],
      [
        { holder: holderOf(9200), cells: [guardian, "2040-01-01T00:00:00Z", "no", verifier, "school-enrolment"] },
        { holder: holderOf(9201), cells: [guardian, String(END_2040), "", "", ""] },
      ],
    );
    const read = await readBatchFile(Buffer.from(csv), diploma, { now: NOW });
    expect(read.problems).to.deep.equal([]);
    expect(read.rows.map((r) => r.guardian)).to.deep.equal([
      { delegate: guardian, validUntil: END_2040, online: false, verifier, purpose: purposeHash("school-enrolment") },
      { delegate: guardian, validUntil: END_2040 },
    ]);
  });

  it("takes 监护人 as the guardian's address before a type's own guardian field, whose parts stay columns", () => {
    const vaccination = getCertificateType("vaccination-certificate")!;
    const columns = mapColumns(["持有人", "监护人", "监护截止", "监护人.姓名", "guardian.mobile"], vaccination);
    expect(columns.map((c) => [c.kind, "term" in c ? c.term : "path" in c ? c.path : undefined])).to.deep.equal([
      ["holder", undefined],
      ["guardian", "delegate"],
      ["guardian", "validUntil"],
      ["field", "guardian.name"],
      ["field", "guardian.mobile"],
    ]);
    try {
      mapColumns(["持有人", "监护人", "Guardian"], diploma);
      expect.fail("two guardian columns were taken");
    } catch (e) {
      expect(e).to.be.instanceOf(IntakeError);
      expect((e as IntakeError).code).to.equal("DUPLICATE_COLUMNS");
    }
  });

  it("reports every guardian problem with its row, column and code, issuing none of those rows", async () => {
    const h = (i: number) => holderOf(9300 + i);
    const csv = csvWith(
      ["claim.idNumber", "监护人", "监护截止", "监护人可在线出示", "监护限定用途"],
      [
        { holder: h(0), cells: ["", "0x1234", "2040-01-01", "", ""] }, // row 2
        { holder: h(1), cells: ["", ZERO, "2040-01-01", "", ""] }, // row 3
        { holder: h(2), cells: ["", h(2).toUpperCase().replace("0X", "0x"), "2040-01-01", "", ""] }, // row 4
        { holder: h(3), cells: ["", guardian, "", "", ""] }, // row 5
        { holder: h(4), cells: ["", guardian, "2020-01-01", "", ""] }, // row 6
        { holder: h(5), cells: ["", guardian, "9999999999999", "", ""] }, // row 7
        { holder: h(6), cells: ["", guardian, "next spring", "", ""] }, // row 8
        { holder: h(7), cells: ["", "", "2040-01-01", "是", ""] }, // row 9
        { holder: "", cells: ["110101201001011234", guardian, "2040-01-01", "", ""] }, // row 10
        { holder: h(9), cells: ["", guardian, "2040-01-01", "maybe", ""] }, // row 11
        { holder: h(10), cells: ["", guardian, "2040-01-01", "", "Any Purpose!"] }, // row 12
        { holder: h(11), cells: ["", guardian, "2040-01-01", "", ""] }, // row 13: fine
      ],
    );
    const read = await readBatchFile(Buffer.from(csv), diploma, { now: NOW });
    expect(read.problems.map(({ row, column, code }) => [row, column, code])).to.deep.equal([
      [2, "监护人", "INVALID_GUARDIAN"],
      [3, "监护人", "INVALID_DELEGATION"],
      [4, "监护人", "INVALID_DELEGATION"],
      [5, "监护截止", "GUARDIAN_VALID_UNTIL_MISSING"],
      [6, "监护截止", "DELEGATION_EXPIRED"],
      [7, "监护截止", "INVALID_DELEGATION"],
      [8, "监护截止", "INVALID_TIME"],
      [9, "监护截止", "GUARDIAN_TERMS_WITHOUT_GUARDIAN"],
      [9, "监护人可在线出示", "GUARDIAN_TERMS_WITHOUT_GUARDIAN"],
      [10, "监护人", "GUARDIAN_NEEDS_HOLDER"],
      [11, "监护人可在线出示", "NOT_A_BOOLEAN"],
      [12, "监护限定用途", "INVALID_PURPOSE"],
    ]);
    expect(read.rows.map((r) => r.row)).to.deep.equal([13]);
    expect([...read.invalidRows]).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The domain's sentences, as the issue and batch routes answer them (without an item index).
    const said = (row: number) => read.problems.find((p) => p.row === row)!.message;
    expect(said(3)).to.equal("The guardian must be a wallet address, not the zero address.");
    expect(said(4)).to.equal("The guardian cannot be the certificate's own holder key.");
    expect(said(6)).to.equal("The guardian's validUntil is in the past.");
    expect(said(7)).to.equal("The guardian's validUntil does not fit the registry's 40 bits.");
    expect(said(10)).to.equal(guardianNeedsHolder().message);
    expect(read.problems.every((p) => !p.message.includes(guardian))).to.equal(true);
  });

  it("reads a JSON item's guardian (purpose as its hash or a code) and checks it like a row's", () => {
    const [a, b] = diplomaRows(2, 400);
    const parsed = checkItems(
      [
        { ...a, guardian: { delegate: guardian, validUntil: END_2040, purpose: purposeHash("identity-check") } },
        { ...b, guardian: { delegate: b.holder, validUntil: END_2040 } },
      ],
      diploma,
      { now: NOW },
    );
    expect(parsed.rows.map((r) => r.guardian)).to.deep.equal([
      { delegate: guardian, validUntil: END_2040, purpose: purposeHash("identity-check") },
    ]);
    expect(parsed.problems.map(({ row, column, code }) => [row, column, code])).to.deep.equal([
      [2, "guardian.delegate", "INVALID_DELEGATION"],
    ]);
  });
});
