import { expect } from "chai";
import { DICTIONARIES, t } from "../../src/web/i18n";
import { STATUS_REASONS, VERDICT_REASONS } from "../../src/domain/reasons";
import { COUNTER_ERRORS } from "../../src/domain/counter";
import { SHARE_ERRORS } from "../../src/domain/share";

describe("page strings (zh/en)", () => {
  it("has every key in both languages, with the same placeholders", () => {
    const zh = DICTIONARIES.zh;
    const en = DICTIONARIES.en;
    expect(Object.keys(en).sort()).to.deep.equal(Object.keys(zh).sort());
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(zh)) expect(vars(en[k]), k).to.deep.equal(vars(zh[k]));
  });

  it("explains every verdict reason in both languages", () => {
    for (const r of VERDICT_REASONS) {
      expect(DICTIONARIES.zh, r).to.have.property(`reason.${r}`);
      expect(DICTIONARIES.en, r).to.have.property(`reason.${r}`);
    }
  });

  it("explains the counter's and the share links' refusals the wallet and verify pages show", () => {
    const shown = [
      COUNTER_ERRORS.NOT_FOUND,
      COUNTER_ERRORS.EXPIRED,
      COUNTER_ERRORS.ANSWERED,
      COUNTER_ERRORS.DECLINED,
      COUNTER_ERRORS.GRANT_MISMATCH,
      COUNTER_ERRORS.DOCUMENT_TAMPERED,
      COUNTER_ERRORS.BAD_SIGNATURE,
      COUNTER_ERRORS.TYPE_NOT_REQUESTED,
      SHARE_ERRORS.NOT_FOUND,
      SHARE_ERRORS.BAD_PROOF,
      // A check through a link whose use another check took first (ConsentCheckUseTaken).
      "CHECK_USE_TAKEN",
    ];
    for (const code of shown) expect(DICTIONARIES.zh, code).to.have.property(`error.${code}`);
  });

  it("names every status-change reason the agency console offers, in both languages", () => {
    for (const table of Object.values(STATUS_REASONS))
      for (const code of Object.keys(table)) {
        expect(DICTIONARIES.zh, code).to.have.property(`statusReason.${code}`);
        expect(DICTIONARIES.en, code).to.have.property(`statusReason.${code}`);
      }
  });

  it("fills placeholders", () => {
    expect(t("agency.batchProgress", { done: 2, total: 5 })).to.equal("已处理 2/5");
  });
});
