/**
 * certledger: the command line of the gateway, the agency and the holder. Each command group
 * lives in its own file and loads what it needs when it runs, so `certledger verify` starts without
 * ethers or the chain. Exit codes: 0 done, 1 failed (the code and sentence say why), 2 usage.
 */
import { Command, CommanderError } from "commander";
import { version } from "../../package.json";
import { registerAuthority } from "./authority";
import { registerBackup } from "./backup";
import { registerDeploy } from "./deploy";
import { registerIssue } from "./issue";
import { registerIssueBatch } from "./issueBatch";
import { registerKeys } from "./keys";
import { reportError } from "./output";
import { registerPrincipal } from "./principal";
import { registerStart } from "./start";
import { registerStatus } from "./status";
import { registerTypes } from "./types";
import { registerVerify } from "./verify";
import { registerWallet } from "./wallet";

export function buildProgram(): Command {
  const program = new Command("certledger")
    .description(
      "Blockchain ledger for government electronic certificates: run the gateway, deploy, issue, verify, hold.",
    )
    .version(version)
    .option("--json", "machine-readable output on stdout (errors too: {error:{code,message}})")
    .showHelpAfterError("(certledger <command> --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  certledger start --port 8080 --data-dir ./data
  certledger types diploma
  certledger wallet new > mnemonic.txt
  certledger wallet address --mnemonic "$(cat mnemonic.txt)" --index 1
  certledger issue --gateway http://127.0.0.1:8080 --api-key clg_... --type diploma --holder 0x... --fields fields.json --out diploma.json
  certledger issue-batch --gateway http://127.0.0.1:8080 --api-key clg_... --type diploma --file graduates.csv --out-dir issued/
  certledger issue-batch --type diploma --file 毕业生.xlsx --dry-run     # check every row (CSV in UTF-8 or GBK, or xlsx); send nothing
  certledger keys new --out agency-key.json
  certledger issue --keystore agency-key.json --gateway http://127.0.0.1:8080 --api-key clg_... --type diploma --holder 0x... --fields fields.json
  certledger revoke 0x<certId> --reason ISSUED_IN_ERROR --keystore agency-key.json --gateway http://127.0.0.1:8080 --api-key clg_...
  certledger verify diploma.json --gateway http://127.0.0.1:8080
  certledger wallet grant --document diploma.json --verifier 0x... --purpose open-bank-account --gateway http://127.0.0.1:8080 --relay
  certledger backup --gateway http://127.0.0.1:8080 --api-key clg_... --out certledger-backup.tar
  certledger restore certledger-backup.tar --data-dir ./restored

CERTLEDGER_GATEWAY, CERTLEDGER_API_KEY and CERTLEDGER_MNEMONIC stand in for --gateway, --api-key and --mnemonic.`,
    );
  registerStart(program);
  registerDeploy(program);
  registerTypes(program);
  registerIssue(program);
  registerIssueBatch(program);
  registerStatus(program);
  registerKeys(program);
  registerVerify(program);
  registerWallet(program);
  registerAuthority(program);
  registerPrincipal(program);
  registerBackup(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? 0 : 2;
    }
    return reportError(e, argv.includes("--json"));
  }
}

// `start` keeps running (the gateway's own signal handlers end it); everything else exits when done.
main(process.argv).then((code) => {
  if (code !== 0) process.exitCode = code;
});
