/**
 * The outside Bitstring Status List library the tests check the gateway's lists with
 * (@digitalbazaar/vc-bitstring-status-list: an ES module, loaded through Node's require of ES modules).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const outsideStatusList = require("@digitalbazaar/vc-bitstring-status-list") as {
  createList(p: { length: number }): Promise<{ setStatus(i: number, v: boolean): void; encode(): Promise<string> }>;
  decodeList(p: { encodedList: string }): Promise<{ length: number; getStatus(index: number): boolean }>;
};
