// Entry point (`npm start`): environment → config, then the bridge; exit codes and signals.
import { startBridge } from "./app.ts";
import { type Config, ConfigError, loadConfig, secretsOf } from "./config.ts";
import { createLogger } from "./logger.ts";
import { StartupError } from "./startup-error.ts";

/** Docker and systemd wait 10 s after SIGTERM before killing; finish well before that. */
const SHUTDOWN_DEADLINE_MS = 8000;

function readConfig(): Config {
  try {
    process.loadEnvFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(2);
  }
}

const config = readConfig();
const log = createLogger(config.logLevel, secretsOf(config));

const bridge = await startBridge(config, log).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  log.fatal({ err: message }, error instanceof StartupError ? message : "bridge failed to start");
  process.exit(1);
});

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  setTimeout(() => {
    log.warn("shutdown took too long; exiting");
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS).unref();
  await bridge.stop();
  log.info("stopped");
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));

bridge.done.catch((error: unknown) => {
  log.fatal(
    { err: error instanceof Error ? error.message : String(error) },
    "Telegram polling stopped",
  );
  process.exit(1);
});
