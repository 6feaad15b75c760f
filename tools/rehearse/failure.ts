/** A step's result and the failure that ends a rehearsal (with the step's CLI output when there is one). */
export interface StepResult {
  name: string;
  command: string;
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  /** stdout alone (the JSON of `preview --json`). */
  stdout: string;
  seconds: number;
}

export class StepFailure extends Error {
  override name = "StepFailure";
  constructor(
    message: string,
    readonly step?: StepResult,
  ) {
    super(message);
  }
}
