import { expect } from "chai";
import { HDNodeWallet, Mnemonic, Signature, TypedDataEncoder, verifyTypedData } from "ethers";
import {
  DELEGATION_TYPE_STRING,
  DELEGATION_TYPEHASH,
  DELEGATION_TYPES,
  REVOKE_DELEGATION_TYPES,
  computeDelegationId,
  hashRevokeDelegation,
  GRANT_TYPE_STRING,
  GRANT_TYPES,
  GRANT_TYPEHASH,
  REVOKE_GRANT_TYPES,
  computeGrantId,
  consentDomain,
  counterGrant,
  createHolderWallet,
  domainSeparator,
  DocumentError,
  generateMnemonic,
  grantMessage,
  hashRevokeGrant,
  holderKeyPath,
  purposeHash,
  recoverDigestSigner,
  validateMnemonic,
  type GrantMessage,
} from "../../src/document";
import { id } from "ethers";
import { cpuMs } from "./helpers";

// ethers wants mutable field lists; the shared definitions are readonly.
const GRANT_TYPES_ = { Grant: [...GRANT_TYPES.Grant] };
const REVOKE_GRANT_TYPES_ = { RevokeGrant: [...REVOKE_GRANT_TYPES.RevokeGrant] };

// The BIP-39 test mnemonic (all-zero entropy): derivations here can be checked against any wallet.
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const domain = consentDomain(31337, REGISTRY);

function grant(overrides: Partial<GrantMessage> = {}): GrantMessage {
  return {
    certId: "0x" + "ab".repeat(32),
    grantee: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    purpose: purposeHash("open-bank-account"),
    validUntil: 1_800_000_000n,
    maxUses: 3,
    nonce: 2n ** 255n + 17n,
    deadline: 1_790_000_000n,
    ...overrides,
  };
}

describe("holder wallet", function () {
  it("derives one key per certificate at m/44'/60'/1000'/0'/i', as ethers' HD wallet does", function () {
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    for (const i of [0, 1, 7, 2 ** 31 - 1]) {
      const key = wallet.deriveKey(i);
      expect(key.path).to.equal(`m/44'/60'/1000'/0'/${i}'`);
      const reference = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), key.path);
      expect(key.address).to.equal(reference.address);
      expect(Buffer.from(key.privateKey).toString("hex")).to.equal(reference.privateKey.slice(2));
    }
  });

  it("gives two certificates of one holder two different addresses, and none is the funds account", function () {
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    const addresses = Array.from({ length: 50 }, (_, i) => wallet.address(i));
    expect(new Set(addresses).size).to.equal(50);
    const funds = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/0").address;
    expect(addresses).to.not.include(funds);
  });

  it("depends on the passphrase and the account", function () {
    const a = createHolderWallet({ mnemonic: MNEMONIC }).address(0);
    expect(createHolderWallet({ mnemonic: MNEMONIC, passphrase: "x" }).address(0)).to.not.equal(a);
    expect(createHolderWallet({ mnemonic: MNEMONIC, account: 1001 }).address(0)).to.not.equal(a);
    expect(holderKeyPath(5, 1001)).to.equal("m/44'/60'/1001'/0'/5'");
  });

  it("generates valid 12- and 24-word mnemonics and refuses invalid ones", function () {
    expect(generateMnemonic().split(" ")).to.have.length(12);
    expect(generateMnemonic(256).split(" ")).to.have.length(24);
    expect(validateMnemonic(generateMnemonic())).to.equal(true);
    expect(generateMnemonic()).to.not.equal(generateMnemonic());
    const wrongChecksum = MNEMONIC.replace(/about$/, "abandon");
    expect(() => createHolderWallet({ mnemonic: wrongChecksum })).to.throw(DocumentError, /BIP-39/);
    expect(() => createHolderWallet({ mnemonic: "hello world" })).to.throw(DocumentError, /BIP-39/);
    expect(createHolderWallet({ mnemonic: `  ${MNEMONIC.replace(/ /g, "   ")} ` }).address(0)).to.equal(
      createHolderWallet({ mnemonic: MNEMONIC }).address(0),
    );
    expect(() => createHolderWallet({ mnemonic: MNEMONIC }).deriveKey(2 ** 31)).to.throw(DocumentError, /index/);
  });

  it("computes grantId as ethers' EIP-712 hash of the shared Grant type", function () {
    expect(GRANT_TYPEHASH).to.equal(id(GRANT_TYPE_STRING));
    expect(domainSeparator(domain)).to.equal(TypedDataEncoder.hashDomain(domain));
    for (const g of [
      grant(),
      grant({ maxUses: 1, nonce: 0n, validUntil: 0n }),
      grant({ maxUses: 2 ** 32 - 1, deadline: 2n ** 64n - 1n }),
    ]) {
      expect(computeGrantId(domain, g)).to.equal(TypedDataEncoder.hash(domain, GRANT_TYPES_, g));
    }
    const otherDomain = consentDomain(1, REGISTRY);
    expect(computeGrantId(otherDomain, grant())).to.equal(TypedDataEncoder.hash(otherDomain, GRANT_TYPES_, grant()));
    expect(computeGrantId(otherDomain, grant())).to.not.equal(computeGrantId(domain, grant()));
  });

  it("refuses grant fields outside their Solidity types", function () {
    expect(() => computeGrantId(domain, grant({ maxUses: 2 ** 32 }))).to.throw(DocumentError, /uint32/);
    expect(() => computeGrantId(domain, grant({ validUntil: -1n }))).to.throw(DocumentError, /uint64/);
    expect(() => computeGrantId(domain, grant({ grantee: "0x1234" }))).to.throw(DocumentError, /grantee/);
    expect(() => computeGrantId(domain, grant({ certId: "0x12" }))).to.throw(DocumentError, /certId/);
  });

  it("signs a Grant and a RevokeGrant that ethers verifies as the certificate key's", function () {
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    const g = grant();
    const signed = wallet.signGrant(3, domain, g);
    expect(signed.grantId).to.equal(computeGrantId(domain, g));
    expect(verifyTypedData(domain, GRANT_TYPES_, g, signed.signature)).to.equal(wallet.address(3));
    expect(recoverDigestSigner(signed.grantId, signed.signature)).to.equal(wallet.address(3));
    expect(Signature.from(signed.signature).yParity).to.be.oneOf([0, 1]);

    const reference = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), holderKeyPath(3));
    return reference.signTypedData(domain, GRANT_TYPES_, g).then((ethersSignature) => {
      expect(signed.signature).to.equal(ethersSignature); // RFC 6979: same key, same message, same signature

      const revoke = { grantId: signed.grantId, nonce: 1n, deadline: 1_790_000_000n };
      const r = wallet.signRevokeGrant(3, domain, revoke);
      expect(r.digest).to.equal(hashRevokeGrant(domain, revoke));
      expect(r.digest).to.equal(TypedDataEncoder.hash(domain, REVOKE_GRANT_TYPES_, revoke));
      expect(verifyTypedData(domain, REVOKE_GRANT_TYPES_, revoke, r.signature)).to.equal(wallet.address(3));
    });
  });

  it("hashes and signs a Delegation and a RevokeDelegation exactly as ethers does", function () {
    const DELEGATION_TYPES_ = { Delegation: [...DELEGATION_TYPES.Delegation] };
    const REVOKE_DELEGATION_TYPES_ = { RevokeDelegation: [...REVOKE_DELEGATION_TYPES.RevokeDelegation] };
    expect(DELEGATION_TYPEHASH).to.equal(id(DELEGATION_TYPE_STRING));
    expect(TypedDataEncoder.from(DELEGATION_TYPES_).encodeType("Delegation")).to.equal(DELEGATION_TYPE_STRING);
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    const delegation = (online: boolean) => ({
      certId: id("cert"),
      delegate: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      purpose: purposeHash("household-registration"),
      verifier: "0x0000000000000000000000000000000000000000",
      online,
      validUntil: 1_790_000_000n,
      nonce: 2n ** 255n + 1n,
      deadline: 1_789_000_000n,
    });
    for (const online of [false, true]) {
      const d = delegation(online);
      const signed = wallet.signDelegation(5, domain, d);
      expect(signed.delegationId).to.equal(computeDelegationId(domain, d));
      expect(signed.delegationId).to.equal(TypedDataEncoder.hash(domain, DELEGATION_TYPES_, d));
      expect(verifyTypedData(domain, DELEGATION_TYPES_, d, signed.signature)).to.equal(wallet.address(5));
    }
    expect(computeDelegationId(domain, delegation(true))).to.not.equal(computeDelegationId(domain, delegation(false)));
    expect(() => computeDelegationId(domain, { ...delegation(true), online: 1 as unknown as boolean })).to.throw(
      DocumentError,
      /online/,
    );
    const revoke = { delegationId: id("delegation"), nonce: 9n, deadline: 1_790_000_000n };
    const r = wallet.signRevokeDelegation(5, domain, revoke);
    expect(r.digest).to.equal(hashRevokeDelegation(domain, revoke));
    expect(r.digest).to.equal(TypedDataEncoder.hash(domain, REVOKE_DELEGATION_TYPES_, revoke));
    expect(verifyTypedData(domain, REVOKE_DELEGATION_TYPES_, revoke, r.signature)).to.equal(wallet.address(5));
  });

  it("answers a counter request with a one-use grant to its verifier, bound to its purpose, nonce and expiry", function () {
    const request = {
      verifier: { address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" },
      purpose: "household-transfer",
      expiresAt: 1_790_000_300,
      nonce: (2n ** 255n + 5n).toString(),
    };
    const certId = "0x" + "cd".repeat(32);
    const g = counterGrant(request, certId);
    expect(g).to.deep.equal({
      certId,
      grantee: request.verifier.address,
      purpose: purposeHash("household-transfer"),
      validUntil: 1_790_000_300,
      maxUses: 1,
      nonce: request.nonce,
      deadline: 1_790_000_300,
    });
    // The message signed is the same grant with its uint64/uint256 fields as bigints, nothing lost.
    const m = grantMessage(g);
    expect(m).to.deep.equal({ ...g, validUntil: 1_790_000_300n, nonce: 2n ** 255n + 5n, deadline: 1_790_000_300n });
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    expect(verifyTypedData(domain, GRANT_TYPES_, m, wallet.signGrant(2, domain, m).signature)).to.equal(
      wallet.address(2),
    );
  });

  it("recovers no signer from a malformed or high-s signature", function () {
    const wallet = createHolderWallet({ mnemonic: MNEMONIC });
    const { grantId, signature } = wallet.signGrant(0, domain, grant());
    expect(recoverDigestSigner(grantId, "0x1234")).to.equal(undefined);
    expect(recoverDigestSigner(grantId, signature.slice(0, -2) + "1d")).to.equal(undefined);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt("0x" + signature.slice(66, 130));
    const highS =
      signature.slice(0, 66) + (n - s).toString(16).padStart(64, "0") + (signature.endsWith("1b") ? "1c" : "1b");
    expect(recoverDigestSigner(grantId, highS)).to.equal(undefined);
    expect(recoverDigestSigner(computeGrantId(domain, grant({ maxUses: 4 })), signature)).to.not.equal(
      wallet.address(0),
    );
  });

  // The bench (test/bench/document.ts) reports the real rate; this only catches a fall to ethers' speed.
  it("hashes grants fast: at least 5,000 grantIds per second even on a loaded machine", function () {
    const g = grant();
    computeGrantId(domain, g);
    const ms = cpuMs(() => {
      for (let i = 0; i < 5000; i++) computeGrantId(domain, { ...g, nonce: BigInt(i) });
    });
    const perSecond = 5000 / (ms / 1000);
    expect(perSecond).to.be.above(5_000);
  });
});
