/**
 * The registry owned by a 2-of-3 Safe (the npm package's own artifacts): registry administration then
 * needs two of the three owners' signatures; no single key, the old admin's included, administers it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { AGENCY_MARKET, deployedFixture, FAR_FUTURE, TYPE_ID_CARD } from "../support/certledger";
import { deploySafe, execSafeTx, safeCall, safeDomain, SAFE_TX_TYPES, safeTxArgs, signSafeTx } from "../support/safe";

async function safeOwnedFixture() {
  const f = await deployedFixture();
  const signers = await ethers.getSigners();
  // Three owners that hold no other role in the fixture, and a relayer that is no owner at all.
  const owners = signers.slice(10, 13);
  const relayer = signers[13];
  const safe = await deploySafe(f.deployer, await Promise.all(owners.map((o) => o.getAddress())), 2);
  const safeAddress = await safe.getAddress();
  const registryAddress = await f.registry.getAddress();

  await f.registry.transferOwnership(safeAddress);
  const accept = await safeCall(safe, registryAddress, f.registry.interface.encodeFunctionData("acceptOwnership"));
  await execSafeTx(safe, accept, await signSafeTx(safe, accept, [owners[0], owners[2]]), relayer);
  return { ...f, safe, safeAddress, registryAddress, owners, relayer };
}

describe("AuthorityRegistry owned by a 2-of-3 Safe", () => {
  it("takes ownership in two steps: the admin offers it, the Safe accepts with two signatures", async () => {
    const { registry, safe, safeAddress, owners } = await loadFixture(safeOwnedFixture);
    expect(await registry.owner()).to.equal(safeAddress);
    expect(await registry.pendingOwner()).to.equal(ethers.ZeroAddress);
    expect(await safe.getThreshold()).to.equal(2n);
    expect(await safe.getOwners()).to.deep.equal(await Promise.all(owners.map((o) => o.getAddress())));
  });

  it("signs SafeTx exactly as the Safe hashes it (its own domain, its own type)", async () => {
    const { registry, safe, registryAddress } = await loadFixture(safeOwnedFixture);
    const tx = await safeCall(
      safe,
      registryAddress,
      registry.interface.encodeFunctionData("registerAgency", [ethers.id("x")]),
    );
    const domain = await safeDomain(safe);
    expect(await safe.domainSeparator()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    expect(await safe.getTransactionHash(...safeTxArgs(tx), tx.nonce)).to.equal(
      ethers.TypedDataEncoder.hash(domain, SAFE_TX_TYPES, tx),
    );
  });

  it("refuses to accredit an agency with one owner's signature and accredits it with two", async () => {
    const { registry, safe, registryAddress, owners, relayer } = await loadFixture(safeOwnedFixture);
    const data = registry.interface.encodeFunctionData("accredit", [AGENCY_MARKET, TYPE_ID_CARD, 0, FAR_FUTURE]);
    const tx = await safeCall(safe, registryAddress, data);

    // GS020: fewer signatures than the threshold.
    await expect(execSafeTx(safe, tx, await signSafeTx(safe, tx, [owners[1]]), relayer)).to.be.revertedWith("GS020");
    expect((await registry.getAccreditation(AGENCY_MARKET, TYPE_ID_CARD)).accreditedUntil).to.equal(0n);
    expect(await safe.nonce()).to.equal(tx.nonce);

    await expect(execSafeTx(safe, tx, await signSafeTx(safe, tx, [owners[1], owners[2]]), relayer))
      .to.emit(registry, "AccreditationSet")
      .withArgs(AGENCY_MARKET, TYPE_ID_CARD, 0, FAR_FUTURE);
    expect((await registry.getAccreditation(AGENCY_MARKET, TYPE_ID_CARD)).accreditedUntil).to.equal(FAR_FUTURE);
  });

  it("registers an agency and adds its key only with two owners' signatures", async () => {
    const { registry, safe, registryAddress, owners, relayer, spare } = await loadFixture(safeOwnedFixture);
    const agencies = await registry.agencyCount();
    const register = await safeCall(
      safe,
      registryAddress,
      registry.interface.encodeFunctionData("registerAgency", [ethers.id("Education Bureau")]),
    );
    await expect(execSafeTx(safe, register, await signSafeTx(safe, register, [owners[0]]), relayer)).to.be.revertedWith(
      "GS020",
    );
    await expect(execSafeTx(safe, register, await signSafeTx(safe, register, [owners[0], owners[1]]), relayer))
      .to.emit(registry, "AgencyRegistered")
      .withArgs(agencies + 1n, ethers.id("Education Bureau"));

    const addKey = await safeCall(
      safe,
      registryAddress,
      registry.interface.encodeFunctionData("addKey", [agencies + 1n, spare.address, 0, FAR_FUTURE]),
    );
    await expect(execSafeTx(safe, addKey, await signSafeTx(safe, addKey, [owners[2]]), relayer)).to.be.revertedWith(
      "GS020",
    );
    expect(await registry.keyIdOf(spare.address)).to.equal(0n);
    await expect(execSafeTx(safe, addKey, await signSafeTx(safe, addKey, [owners[2], owners[0]]), relayer)).to.emit(
      registry,
      "KeyAdded",
    );
    expect((await registry.getKey(await registry.keyIdOf(spare.address))).agencyId).to.equal(agencies + 1n);
  });

  it("refuses two signatures of which one is not an owner's, and one owner's signature given twice", async () => {
    const { registry, safe, registryAddress, owners, relayer, other } = await loadFixture(safeOwnedFixture);
    const tx = await safeCall(
      safe,
      registryAddress,
      registry.interface.encodeFunctionData("accredit", [AGENCY_MARKET, TYPE_ID_CARD, 0, FAR_FUTURE]),
    );
    // GS026: a signer that is not an owner, or owners out of ascending order (a repeated owner is one).
    await expect(execSafeTx(safe, tx, await signSafeTx(safe, tx, [owners[0], other]), relayer)).to.be.revertedWith(
      "GS026",
    );
    const once = await signSafeTx(safe, tx, [owners[0]]);
    await expect(execSafeTx(safe, tx, ethers.concat([once, once]), relayer)).to.be.revertedWith("GS026");
    expect((await registry.getAccreditation(AGENCY_MARKET, TYPE_ID_CARD)).accreditedUntil).to.equal(0n);
  });

  it("refuses a signed Safe transaction replayed after it ran", async () => {
    const { registry, safe, registryAddress, owners, relayer } = await loadFixture(safeOwnedFixture);
    const tx = await safeCall(
      safe,
      registryAddress,
      registry.interface.encodeFunctionData("registerAgency", [ethers.id("Tax Bureau")]),
    );
    const signatures = await signSafeTx(safe, tx, [owners[0], owners[1]]);
    await execSafeTx(safe, tx, signatures, relayer);
    const count = await registry.agencyCount();
    // The Safe's nonce moved on: the same signatures now sign a digest of the old nonce.
    await expect(execSafeTx(safe, tx, signatures, relayer)).to.be.revertedWith("GS026");
    expect(await registry.agencyCount()).to.equal(count);
  });

  it("leaves the old admin and every single owner unable to administer directly", async () => {
    const { registry, admin, owners, spare } = await loadFixture(safeOwnedFixture);
    for (const account of [admin, ...owners]) {
      const r = registry.connect(account);
      for (const call of [
        () => r.accredit(AGENCY_MARKET, TYPE_ID_CARD, 0, FAR_FUTURE),
        () => r.registerAgency(ethers.id("rogue")),
        () => r.addKey(AGENCY_MARKET, spare.address, 0, FAR_FUTURE),
        () => r.transferOwnership(account.address),
      ])
        await expect(call())
          .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
          .withArgs(account.address);
    }
  });
});
