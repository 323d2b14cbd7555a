/** A problem an operator must fix before the bridge can run; its message says what to do. */
export class StartupError extends Error {
  override name = "StartupError";
  /** 2 for a setting that is wrong (as a bad configuration), 1 for the rest. */
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
  }
}
