/**
 * Verifiers the city registers itself (service-hall counters), with their names in both languages.
 * The chain records one name per verifier (the English one); the pages show the Chinese one from here.
 */
export interface VerifierName {
  readonly name: string;
  readonly nameZh: string;
}

export const DEMO_VERIFIER: VerifierName = { name: "Service Hall Counter 1", nameZh: "政务服务大厅 1 号窗口" };

export const VERIFIER_NAMES: readonly VerifierName[] = [DEMO_VERIFIER];
