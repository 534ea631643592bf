/**
 * The one error of reading an agency's file as a whole (unreadable bytes, a broken CSV, unknown
 * columns). Problems of single rows are not errors: they are collected (src/intake/rows.ts) so that
 * every one of them is reported at once. The CLI and the gateway each map this to their own error type.
 */
export class IntakeError extends Error {
  override name = "IntakeError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
