// The bridge as src/main.ts starts it (configuration from the environment), except that
// Telegram's group budget is counted in a window of BENCH_WINDOW_MS instead of a minute: the
// backlog bench's compressed time, in a process of its own so that its memory is the bridge's
// alone. Spawned by bench/files.ts with the start script's command and memory settings.
import { startBridge } from "../src/app.ts";
import { GroupSendQueue } from "../src/bridge/send-queue.ts";
import { loadConfig, secretsOf } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";

const windowMs = Number(process.env.BENCH_WINDOW_MS);
if (!Number.isInteger(windowMs) || windowMs < 1) {
  throw new Error("bench: BENCH_WINDOW_MS must be a whole number of milliseconds");
}
const config = loadConfig();
const log = createLogger(config.logLevel, secretsOf(config));
const bridge = await startBridge(config, log, {
  sendQueue: new GroupSendQueue(config.telegram.groupMessagesPerMinute, { windowMs }),
});
process.on("SIGTERM", () => {
  void bridge.stop().then(() => process.exit(0));
});
