/**
 * Child process for the embedded chain's tests: `close <dataDir> <engine>` opens the chain in a process
 * with nothing else to keep it alive, mines one transfer, closes the chain and prints `CLOSED <block>`.
 * A close that waits on an unreferenced handle (an idle worker thread being stopped) lets the process
 * end under it: exit code 0 and no line.
 */
import { openEmbeddedChain, type EmbeddedEngine } from "../../src/chain/embeddedChain";
import { CustodialKeyring } from "../../src/chain/keyring";

async function close(dataDir: string, engine: EmbeddedEngine): Promise<void> {
  const keyring = new CustodialKeyring(new Uint8Array(32).fill(7));
  const from = keyring.addressOf("relayer");
  const chain = await openEmbeddedChain({
    dataDir,
    genesisAccounts: [{ address: from, privateKey: keyring.privateKeyOf("relayer"), balanceWei: 10n ** 30n }],
    signer: (a) => keyring.signer(a),
    engine,
  });
  const mined = await chain.producer.submit({
    from,
    to: keyring.addressOf("someone"),
    data: "0x",
    gasLimit: 21_000n,
    value: 1n,
  });
  await chain.close();
  process.stdout.write(`CLOSED ${mined.blockNumber}\n`);
}

const [mode, dir, engine] = process.argv.slice(2);
if (mode !== "close") throw new Error(`unknown mode ${mode}`);
close(dir, engine as EmbeddedEngine).catch((e) => {
  process.stderr.write(`chainChild failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
