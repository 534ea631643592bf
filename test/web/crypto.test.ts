import { expect } from "chai";
import {
  decryptForLink,
  eip191Digest,
  encryptForLink,
  linkKeyFromFragment,
  newLinkKey,
  personalSign,
  seal,
  unseal,
} from "../../src/web/crypto";
import { signatureRecovery } from "../../src/wiring/documents";
import { requestIdFrom } from "../../src/web/qr";
import type { Hex } from "../../src/domain/ports";

describe("the pages' cryptography (run in Node with WebCrypto)", () => {
  const recovery = signatureRecovery(() => ({
    chainId: 31337,
    consent: "0x0000000000000000000000000000000000000001",
    ledger: "0x0000000000000000000000000000000000000002",
  }));

  it("signs EIP-191 messages that the gateway recovers to the link key's address", () => {
    const key = newLinkKey();
    const sig = personalSign(key.privateKey, "certledger share link check\nshare: x");
    expect(recovery.recoverPersonal("certledger share link check\nshare: x", sig as Hex)?.toLowerCase()).to.equal(
      key.address,
    );
    expect(recovery.recoverPersonal("another message", sig as Hex)?.toLowerCase()).to.not.equal(key.address);
    expect(eip191Digest("")).to.equal("0x5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");
  });

  it("restores the link key from the fragment and decrypts only with it", async () => {
    const key = newLinkKey();
    const again = linkKeyFromFragment(key.fragment)!;
    expect(again.address).to.equal(key.address);
    const payload = await encryptForLink(key, '{"name":"张三"}');
    expect(payload).to.match(/^[A-Za-z0-9_-]+$/);
    expect(payload).to.not.contain("张三");
    expect(await decryptForLink(again, payload)).to.equal('{"name":"张三"}');
    let failed = false;
    await decryptForLink(newLinkKey(), payload).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(linkKeyFromFragment("not-hex")).to.equal(undefined);
  });

  it("seals the mnemonic under a passphrase and refuses a wrong one", async () => {
    const sealed = await seal("correct horse", "abandon ability able");
    expect(JSON.stringify(sealed)).to.not.contain("abandon");
    expect(await unseal("correct horse", sealed)).to.equal("abandon ability able");
    let failed = false;
    await unseal("wrong", sealed).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it("reads a request id from a scanned wallet URL or a bare id, and nothing else", () => {
    expect(requestIdFrom("http://127.0.0.1:8080/wallet?r=MdprafngSJnIM6s1-kA6Dg")).to.equal("MdprafngSJnIM6s1-kA6Dg");
    expect(requestIdFrom(" MdprafngSJnIM6s1-kA6Dg ")).to.equal("MdprafngSJnIM6s1-kA6Dg");
    expect(requestIdFrom("http://evil.example/wallet?r=../../x")).to.equal(undefined);
    expect(requestIdFrom("hello")).to.equal(undefined);
  });
});
