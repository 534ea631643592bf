import { expect } from "chai";
import { CERTIFICATE_TYPES, cardLayout, layoutOfSchema, MAIN_FIELDS_MAX } from "../../src/domain/catalog";
import { certificateSchema, longText, text } from "../../src/domain/catalog/schemaKit";

describe("certificate card layouts (catalog)", () => {
  it("derives the resident ID card's layout from its schema: name as holder, the other required one-line fields as main", () => {
    expect(cardLayout("resident-id-card")).to.deep.equal({
      holderName: "name",
      photo: undefined,
      main: ["gender", "birthDate", "idNumber", "ethnicity", "address", "issuingAuthority"],
    });
  });

  it("names an organisation by its entity name and leaves free text and lists to the details", () => {
    const licence = cardLayout("business-licence");
    expect(licence.holderName).to.equal("entityName");
    expect(licence.main).to.include.members(["creditCode", "legalRepresentative", "registeredCapital"]);
    expect(licence.main).to.not.include("businessScope");
    const marriage = cardLayout("marriage-certificate");
    expect(marriage.holderName).to.equal(undefined);
    expect(marriage.main).to.deep.equal(["certificateNumber", "registrationDate", "registrationAuthority"]);
  });

  it("shows a photo field where a type's schema has one, and never an optional field as main", () => {
    const schema = certificateSchema("x", "样例", "Sample", {
      name: text("姓名", "Name"),
      photo: { type: "string", title: "照片", "x-title-en": "Photo", contentMediaType: "image/jpeg" },
      "nickname?": text("昵称", "Nickname"),
      remarks: longText("备注", "Remarks"),
    });
    expect(layoutOfSchema(schema)).to.deep.equal({ holderName: "name", photo: "photo", main: [] });
  });

  it("gives every catalog type a layout of at most MAIN_FIELDS_MAX top-level fields its schema requires", () => {
    for (const t of CERTIFICATE_TYPES) {
      const layout = cardLayout(t.code);
      const required = (t.schema.required ?? []) as string[];
      expect(layout.main.length, t.code).to.be.within(1, MAIN_FIELDS_MAX);
      for (const k of layout.main) expect(required, `${t.code}.${k}`).to.include(k);
    }
    expect(cardLayout("no-such-type")).to.deep.equal({ main: [] });
  });
});
