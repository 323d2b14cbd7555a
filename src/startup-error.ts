/** A problem an operator must fix before the bridge can run; its message says what to do. */
export class StartupError extends Error {
  override name = "StartupError";
}
