import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

const SOLC_VERSION = "0.8.28";

// These machines reach no compiler download site: compile with the solc-js build that the
// npm package `solc` ships (pinned to SOLC_VERSION in package.json).
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version() as string,
  };
});

// test/bench holds benchmarks (npm run bench) and test/support shared helpers: neither is a test file.
// The contract tests go first, each worker taking them while it is fresh: Hardhat's in-process chain
// (EDR) runs several times slower in a process that has already made another EDR chain, as the
// embedded chain's tests do (the property test: 28-31 s alone, 89-98 s after one such chain).
const isContractTest = (f: string) => /[\\/]test[\\/]contracts[\\/]/.test(f);
subtask(TASK_TEST_GET_TEST_FILES, async (args, _hre, runSuper) => {
  const files = ((await runSuper(args)) as string[]).filter((f) => !/[\\/]test[\\/](bench|support)[\\/]/.test(f));
  return [...files.filter(isContractTest), ...files.filter((f) => !isContractTest(f))];
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      // paris: no PUSH0/MCOPY, so the contracts deploy on permissioned EVM chains (Besu, Quorum, FISCO BCOS).
      evmVersion: "paris",
    },
  },
  networks: {
    hardhat: {},
    localhost: { url: process.env.CERTLEDGER_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  // `npm test` runs two test files at a time (`hardhat test --parallel`): much of the suite waits on
  // child processes, browsers and chain nodes, so two workers keep both cores busy (measured on the
  // 2-core machine: 14.4 min of wall time against 20 min one file at a time).
  mocha: { timeout: 120_000, jobs: 2 },
  gasReporter: { enabled: false },
};

export default config;
