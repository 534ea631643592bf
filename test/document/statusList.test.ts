/**
 * The document library's Bitstring Status List encoding against an outside implementation
 * (@digitalbazaar/vc-bitstring-status-list), both ways; the specification's refusals; and the vc+jwt
 * signature checked with nothing but the header's key.
 */
import { expect } from "chai";
import { gzipSync } from "fflate";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  STATUS_LIST_MIN_LENGTH,
  StatusListError,
  buildStatusListCredential,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  privateKeyToAddress,
  setStatusBit,
  signStatusListJwt,
  statusFromList,
  statusListEntry,
  toDidPkh,
  verifyStatusListJwt,
} from "../../src/document";
import { outsideStatusList as bsl } from "../support/outsideStatusList";

const SET = [0, 1, 7, 8, 9, 4242, 65_535, 131_071];
const URL = "https://gateway.example/v1/public/status-lists/0x" + "ab".repeat(20) + "/revocation";

function listWith(indices: number[], length = STATUS_LIST_MIN_LENGTH): Uint8Array {
  const bits = new Uint8Array(length / 8);
  for (const i of indices) setStatusBit(bits, i, true);
  return bits;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as StatusListError).code;
  }
  return undefined;
};

describe("Bitstring Status List encoding", () => {
  it("is read by the outside library bit for bit (index 0 = the left-most bit)", async () => {
    const bits = listWith(SET);
    expect(bits[0]).to.equal(0b1100_0001);
    const encoded = encodeStatusList(bits);
    expect(encoded[0]).to.equal("u");
    expect(encoded).to.match(/^u[A-Za-z0-9_-]+$/);
    const theirs = await bsl.decodeList({ encodedList: encoded });
    expect(theirs.length).to.equal(STATUS_LIST_MIN_LENGTH);
    for (let i = 0; i < STATUS_LIST_MIN_LENGTH; i += 1) {
      if (theirs.getStatus(i) !== SET.includes(i)) expect.fail(`bit ${i}`);
    }
  });

  it("reads the outside library's lists bit for bit", async () => {
    const theirs = await bsl.createList({ length: STATUS_LIST_MIN_LENGTH * 2 });
    for (const i of [...SET, 200_000]) theirs.setStatus(i, true);
    const bits = decodeStatusList(await theirs.encode());
    expect(bits.length * 8).to.equal(STATUS_LIST_MIN_LENGTH * 2);
    for (const i of [...SET, 200_000]) expect(getStatusBit(bits, i), String(i)).to.equal(true);
    expect(getStatusBit(bits, 2)).to.equal(false);
  });

  it("refuses a list under 131,072 entries, an index outside the list, and what is not multibase GZIP", () => {
    expect(code(() => encodeStatusList(new Uint8Array(1024)))).to.equal("STATUS_LIST_LENGTH_ERROR");
    const short = "u" + Buffer.from(gzipSync(new Uint8Array(1024))).toString("base64url");
    expect(code(() => decodeStatusList(short))).to.equal("STATUS_LIST_LENGTH_ERROR");
    expect(code(() => getStatusBit(listWith([]), STATUS_LIST_MIN_LENGTH))).to.equal("STATUS_LIST_RANGE_ERROR");
    expect(code(() => decodeStatusList("H4sI"))).to.equal("STATUS_LIST_MALFORMED");
    expect(code(() => decodeStatusList("u!!!"))).to.equal("STATUS_LIST_MALFORMED");
    expect(code(() => decodeStatusList(42))).to.equal("STATUS_LIST_MALFORMED");
  });

  it("refuses a list that inflates past 16 MiB, whatever its GZIP trailer claims, and a truncated one", () => {
    const bomb = gzipSync(new Uint8Array(17 * 1024 * 1024));
    expect(code(() => decodeStatusList("u" + Buffer.from(bomb).toString("base64url")))).to.equal(
      "STATUS_LIST_MALFORMED",
    );
    // The same bomb whose trailer claims 16 KiB: stopped while inflating, not trusted.
    const lying = Buffer.from(bomb);
    lying.writeUInt32LE(16 * 1024, lying.length - 4);
    let message = "";
    try {
      decodeStatusList("u" + lying.toString("base64url"));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/inflates past/);
    // Cut short: not a list.
    const cut = Buffer.from(gzipSync(new Uint8Array(16 * 1024))).subarray(0, 20);
    expect(code(() => decodeStatusList("u" + cut.toString("base64url")))).to.equal("STATUS_LIST_MALFORMED");
  });
});

describe("status list credential and vc+jwt", () => {
  const key = secp256k1.utils.randomPrivateKey();
  const issuer = toDidPkh(31337, privateKeyToAddress(key));
  const credential = buildStatusListCredential({
    id: URL,
    issuer,
    statusPurpose: "revocation",
    bits: listWith([4242]),
    validFrom: 1_800_000_000,
  });

  it("answers an entry's bit from the credential or its JWT, offline", () => {
    const jwt = signStatusListJwt(credential, key, 31337);
    expect(statusFromList(jwt, statusListEntry(URL, "revocation", 4242))).to.deep.equal({
      statusPurpose: "revocation",
      index: 4242,
      set: true,
      issuer,
    });
    expect(statusFromList(credential, statusListEntry(URL, "revocation", 4243)).set).to.equal(false);
    expect(code(() => statusFromList(credential, statusListEntry(URL, "suspension", 4242)))).to.equal(
      "STATUS_LIST_PURPOSE_MISMATCH",
    );
    expect(code(() => statusFromList(credential, statusListEntry(URL + "x", "revocation", 1)))).to.equal(
      "STATUS_LIST_WRONG_LIST",
    );
    expect(
      code(() => statusFromList(credential, { ...statusListEntry(URL, "revocation", 1), statusListIndex: "-1" })),
    ).to.equal("STATUS_LIST_RANGE_ERROR");
  });

  it("signs ES256K over SHA-256 with the header's jwk, whose address is the kid's did:pkh", () => {
    const jwt = signStatusListJwt(credential, key, 31337);
    const v = verifyStatusListJwt(jwt);
    expect(v.signer).to.equal(privateKeyToAddress(key));
    expect(v.header.kid).to.equal(`${issuer}#blockchainAccountId`);
    expect(v.credential).to.deep.equal(credential);
    // A JWS signature is r ‖ s, 64 bytes, no recovery byte.
    expect(Buffer.from(jwt.split(".")[2], "base64url")).to.have.length(64);
  });

  it("refuses a JWT whose payload, key or issuer was changed", () => {
    const jwt = signStatusListJwt(credential, key, 31337);
    const [h, p, s] = jwt.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as typeof credential;
    const edited = Buffer.from(JSON.stringify({ ...payload, validFrom: "2030-01-01T00:00:00Z" })).toString("base64url");
    expect(code(() => verifyStatusListJwt(`${h}.${edited}.${s}`))).to.equal("STATUS_LIST_BAD_SIGNATURE");
    const other = secp256k1.utils.randomPrivateKey();
    const header = JSON.parse(Buffer.from(h, "base64url").toString());
    const otherHeader = JSON.parse(
      Buffer.from(signStatusListJwt(credential, other, 31337).split(".")[0], "base64url").toString(),
    );
    const swapped = Buffer.from(JSON.stringify({ ...header, jwk: otherHeader.jwk })).toString("base64url");
    expect(code(() => verifyStatusListJwt(`${swapped}.${p}.${s}`))).to.equal("STATUS_LIST_BAD_SIGNATURE");
    // Signed by another key that names itself: the signature holds, the issuer is not that key.
    expect(code(() => verifyStatusListJwt(signStatusListJwt(credential, other, 31337)))).to.equal(
      "STATUS_LIST_BAD_SIGNATURE",
    );
    expect(code(() => verifyStatusListJwt("a.b"))).to.equal("STATUS_LIST_MALFORMED");
  });
});
