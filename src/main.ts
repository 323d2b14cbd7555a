// Entry point (`npm start`): environment → config, then the bridge; exit codes and signals.

import { type RunningBridge, startBridge } from "./app.ts";
import { errorText } from "./bridge/errors.ts";
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

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel, secretsOf(config));

  let bridge: RunningBridge | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    setTimeout(() => {
      log.warn("shutdown took too long; exiting");
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // A signal during startup finds nothing in flight: the store is written atomically.
    await bridge?.stop();
    log.info("stopped");
    process.exit(0);
  };
  // A repeated signal (a supervisor that sends two, Ctrl-C twice) must not cut the orderly stop
  // short: the deadline above ends a stop that hangs.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  try {
    bridge = await startBridge(config, log);
  } catch (error) {
    const message = errorText(error);
    const known = error instanceof StartupError;
    log.fatal({ err: message }, known ? message : "bridge failed to start");
    process.exit(known ? error.exitCode : 1);
  }

  bridge.done.catch((error: unknown) => {
    if (stopping) return;
    log.fatal({ err: error }, "Telegram polling stopped");
    process.exit(1);
  });
}

// Only when run: importing it loads every module of the bridge and starts nothing, which is how
// the image build fills Node's compile cache.
if (import.meta.main) await main();
