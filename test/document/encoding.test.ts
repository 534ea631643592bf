import { expect } from "chai";
import { getAddress, hexlify, randomBytes } from "ethers";
import { toChecksumAddress } from "../../src/document/encoding";

describe("EIP-55 checksum addresses", function () {
  it("gives ethers' checksum for any case, the first time and from its cache", function () {
    const addresses = [
      "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", // EIP-55's own test vectors
      "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
      "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb",
      "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb",
      ...Array.from({ length: 200 }, () => hexlify(randomBytes(20))),
    ];
    for (const a of addresses) {
      for (const given of [a, a.toUpperCase().replace("0X", "0x"), getAddress(a)]) {
        expect(toChecksumAddress(given)).to.equal(getAddress(a));
        expect(toChecksumAddress(given)).to.equal(getAddress(a));
      }
    }
    expect(toChecksumAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")).to.equal(
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    );
  });
});
