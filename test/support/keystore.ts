/**
 * The keystore settings of test gateways: a fixed passphrase, so that no test reads or writes the demo's
 * passphrase file in the user's home, and scrypt N = 2^10 instead of the standard 2^17, so that the many
 * gateways the suite creates unlock in milliseconds instead of a second each. Production keeps 2^17.
 */
export const TEST_KEYSTORE_PASSPHRASE = "certledger test keystore passphrase";
export const TEST_KEYSTORE_SCRYPT_N = 1024;

/** loadConfig overrides. */
export const TEST_KEYSTORE_CONFIG = {
  keystorePassphrase: TEST_KEYSTORE_PASSPHRASE,
  keystoreScryptN: String(TEST_KEYSTORE_SCRYPT_N),
};

/** Environment of a spawned gateway or CLI. */
export const TEST_KEYSTORE_ENV = {
  CERTLEDGER_KEYSTORE_PASSPHRASE: TEST_KEYSTORE_PASSPHRASE,
  CERTLEDGER_KEYSTORE_SCRYPT_N: String(TEST_KEYSTORE_SCRYPT_N),
};
