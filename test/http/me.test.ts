/**
 * GET /v1/me against the real gateway (embedded chain, SQLite, the demo seed): the route the agency
 * console and the counter sign in with. It tells a wrong key at once, and whom a key acts for.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { CERTIFICATE_TYPES } from "../../src/domain/catalog";
import { openGateway, type Gateway } from "../../src/wiring/gateway";

describe("who an API key is (GET /v1/me)", function () {
  this.timeout(120_000);
  let g: Gateway;
  let dataDir: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-me-"));
    const config = loadConfig({}, { dataDir, port: 0, seedDemo: "true", logLevel: "silent" });
    g = await openGateway(config, { logger: pino({ level: "silent" }) });
  });

  after(async () => {
    await g?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const me = (key?: string) => {
    const r = request(g.app).get("/v1/me");
    return key === undefined ? r : r.set("authorization", `Bearer ${key}`);
  };

  it("names an agency in both languages with exactly the types it is accredited for now", async () => {
    const education = g.credentials!.agencies.find((a) => a.name === "Education Bureau")!;
    const body = (await me(education.apiKey).expect(200)).body;
    expect(body.role).to.equal("agency");
    expect(body.address).to.equal(education.agency.toLowerCase());
    expect(body.agency).to.deep.include({ name: "Education Bureau", nameZh: "教育局", active: true });
    const expected = CERTIFICATE_TYPES.filter((t) => t.agency === "education").map((t) => t.code);
    expect(body.agency.types).to.deep.equal(expected);
    expect(body.agency.types).to.not.include("resident-id-card");
  });

  it("drops a type from the list once its accreditation is withdrawn", async () => {
    const auth = g.credentials!.authority.apiKey;
    const education = g.credentials!.agencies.find((a) => a.name === "Education Bureau")!;
    const [first, ...rest] = (await me(education.apiKey).expect(200)).body.agency.types as string[];
    await request(g.app)
      .delete(`/v1/authority/agencies/${education.agency}/accreditations/${first}`)
      .set("authorization", `Bearer ${auth}`)
      .expect(200);
    expect((await me(education.apiKey).expect(200)).body.agency.types).to.deep.equal(rest);
  });

  it("names the verifier behind a counter's key", async () => {
    const v = g.credentials!.verifier;
    const body = (await me(v.apiKey).expect(200)).body;
    expect(body).to.deep.include({ role: "verifier", address: v.verifier.toLowerCase() });
    expect(body.verifier).to.deep.equal({ name: v.name, active: true });
    expect(body).to.not.have.property("agency");
  });

  it("refuses a missing, malformed or unknown key with 401 and its code", async () => {
    expect((await me().expect(401)).body.error.code).to.equal("MISSING_CREDENTIALS");
    expect((await me("not a key").expect(401)).body.error.code).to.equal("INVALID_CREDENTIALS");
    expect((await me(`clg_${"x".repeat(43)}`).expect(401)).body.error.code).to.equal("INVALID_CREDENTIALS");
  });

  it("takes no query parameters", async () => {
    const r = await request(g.app)
      .get("/v1/me?role=authority")
      .set("authorization", `Bearer ${g.credentials!.verifier.apiKey}`)
      .expect(400);
    expect(r.body.error.code).to.equal("VALIDATION_FAILED");
  });

  it("is documented in /openapi.json", async () => {
    const doc = (await request(g.app).get("/openapi.json").expect(200)).body;
    expect(doc.paths["/v1/me"].get.security).to.deep.equal([{ bearer: [] }]);
    expect(doc.components.schemas).to.have.property("Me");
  });
});
