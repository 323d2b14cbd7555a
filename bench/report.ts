// The part of BENCHMARKS.md that does not change from run to run: what each figure measures,
// through which code, and how to reproduce it.

export const METHOD = `## Reproducing

\`\`\`sh
npm ci
npm run bench                      # everything, < 20 min; rewrites this file
npm run bench -- idle              # one part only (idle, wb, shops, overhead, overhead-pg, takeover, backlog, files, memory, cold, demo); prints, writes nothing
npm run bench -- wb --chats=100    # the idle parts at other chat counts; prints, writes nothing
npm run bench -- shops --shops=20x500               # 20 shops of 500 chats; prints, writes nothing
npm run bench -- overhead overhead-pg --messages=100  # fewer overhead samples; prints, writes nothing
\`\`\`

The parts \`overhead-pg\` and \`takeover\` start their own PostgreSQL server (\`startPostgres\` in
\`test/support/postgres-server.ts\`, as \`npm test\` does): its binaries must be installed (see the
README's tests section); as root it runs as \`nobody\`.

Everything runs on 127.0.0.1 against the fakes in \`test/fakes\` (Telegram, Ozon, Yandex Market,
Wildberries);
nothing leaves the machine. The bridge is the real code: \`startBridge(config, log)\` from
\`src/app.ts\` in-process (config from \`loadConfig\`, so every default is production's), or
the process \`npm start\` runs (package.json's start script: \`node --max-semi-space-size=1
src/main.ts\` with \`MALLOC_ARENA_MAX=2\`) through \`test/support/bridge-process.ts\`. The naive baseline
(\`bench/naive.ts\`) exists only in the benchmark and uses the bridge's own providers (for
Wildberries its client) for the marketplace side, so a call costs the same and only the
strategy differs. Every bridge/naive ratio comes from the same run. Figures on a 2-CPU VM move
by ±20 % between runs (tails more).

## What each figure is

**Idle API calls per cycle** (\`bench/idle.ts\`). The fake marketplace holds N answered chats
(Ozon: every message read; Yandex: status WAITING_FOR_CUSTOMER). \`startBridge\` polls every
1 ms with a debug logger that counts the poller's own \`poll cycle\` / \`cycle skipped\` lines
and snapshots the fake's request count inside each. Meanwhile \`Date.now\` runs on a virtual
clock that advances 5 s per cycle (the default \`POLL_INTERVAL_SECONDS\`), so the poller's
hourly getChats allowance (\`src/bridge/sliding-window.ts\`, kept by the poller) is spent exactly as in real hours of
polling; the bridge starts a minute after the chats were last written to, as on a real shop.
Cycle 0 is the first start (its calls and time are reported separately). The sweep reads one
page of the full listing every 12th cycle, in place of that cycle's unread call. *One sweep
period* runs from the cycle that reads a sweep's first page to the cycle before the next
sweep's first page, so it holds exactly one whole sweep; *first hour* is cycles 2–721 and shows
whether cycles were skipped (blind) because the allowance ran out. The fake Yandex's own hourly
limits are lifted for this part only, so that the naive cycle (one getChatHistory per chat)
finishes instead of waiting out 420s; the bridge's own allowance is untouched. Naive: one cycle = list every chat + history of
every chat (\`NaivePoller\`), averaged over 2 cycles (1 at 10 000 chats; cycles are identical).

**Wildberries idle** (\`bench/wildberries.ts\`, part \`wb\`). The fake WB holds N answered chats
(a buyer's question and the seller's answer in the portal: two events each in the account's one
event feed, which the fake hands out 50 at a time). The bridge reads WB only through that feed
(\`src/bridge/feed-sync.ts\`), so an idle cycle is one events request whatever N is. As above,
\`startBridge\` polls every 1 ms with \`Date.now\` on a virtual clock; here the clock moves 5 s per
poll cycle (counted by the poller itself, \`RunningBridge.poller.status\`) and 1.2 s more for
each further request within one cycle: WB allows 10 requests in any 10 s (one a second), so the
client's own limiter never has to wait in real time while a first start reads the feed page by
page. The fake answers and enforces WB's limits on the same clock and tags each answer with the
poll cycle it came in. *First start* runs until the first answer that says the feed is read to
its end (\`totalEvents: 0\`); at 10 000 chats that is 401 pages over several cycles (the bridge
reads at most 100 pages per cycle), which at WB's limit takes at least the time shown. *The hour
after* is the 720 cycles after that one; *bytes* are the answers' bodies; *peak* is the most
requests the fake saw in any 10 s of that hour. Naive: WB has no per-chat history, only the one
feed, so "list every chat + the history of every chat" is one \`GET /api/v1/seller/chats\` (one
unpaginated answer with every chat) + the feed read from its start to its end (\`NaiveWildberries\`,
with the bridge's \`WildberriesClient\`), one cycle. A poller that only listed the chats each
cycle and read the feed when a chat's \`lastMessage\` moved would make one call per idle cycle
too, but each would carry every chat (the naive's bytes less the feed's).

**Wildberries burst** (\`bench/wildberries.ts\`, part \`wb\`), in real time. The bridge polls an
empty fake WB at the default 5 s; once its first start has read the feed, 40 new chats each get a
buyer's text and a 20 KB photo at once. Every photo is a \`GET /api/v1/seller/download/{id}\`, so
the burst costs over 40 requests within WB's 10 in any 10 s. *Peak* is the most requests the fake
saw in any 10 s from the burst on (the fake also answers 429 beyond WB's limit, counted in the
last row); *written → last photo* ends when the 40th photo reaches the fake Telegram (its group
budget lifted). The feed is not read again until every chat of its page is posted (photos
included, one download after another), so during such a burst other chats' new messages wait
for the downloads: 3 events requests in the run shown.

**Many shops in one process** (\`bench/shops.ts\`, part \`shops\`), in real time. 200 shops,
Ozon and Yandex Market alternately, each a fake of its own (its own port, Client-Id or business
id, API key) holding 2 000 answered chats as in the idle part; all 200 are entries of one
\`ACCOUNTS_FILE\` and post into one staff group (the fake Telegram has one). The fakes' clock
runs a minute behind while the chats are written, so the bridge starts a minute after the shops'
last activity, as in the idle part. The bridge is the start script's process (its command and
memory settings, Node's compile cache filled, \`DATA_DIR\` in the system temp directory, every
other setting production's default: \`POLL_INTERVAL_SECONDS=5\`), with \`LOG_LEVEL=debug\` for
the poller's \`poll cycle\` lines (nothing else logs at debug) and \`bench/loop-probe.ts\`
preloaded (\`NODE_OPTIONS=--import\`): \`perf_hooks.monitorEventLoopDelay\` with a 10 ms timer,
whose figures since the last reading it writes on SIGUSR2, the timer's own 10 ms taken off (0 =
no timer ever waited). The fakes run in the bench's process. *First start* runs from spawning
the process to the last shop's first \`poll cycle\` line (every chat listed and its cursor
written, no history read); the loop figures beside it cover that span and the few seconds until
every shop has polled once more. Then 60 s of idle polling: for each shop, the bench reads the
shop's fake's request count as each of its \`poll cycle\` lines arrives (a cycle's requests are
answered before its line is written, the next cycle starts 5 s later), and the figure is the
requests between a shop's first and last line in the window, summed over the shops of a
marketplace, ÷ the cycles between them: one unread listing per cycle, or a sweep page in its
place every 12th cycle. *RSS* is VmRSS from \`/proc/<pid>/status\` at the window's end, the peak
VmHWM (the first start's). The last row counts the fake Yandex's 420 answers, the bridge's
warn/error lines over the whole run, and Telegram calls other than \`getUpdates\` within the
window. The first start writes the state file once per chat (each write committed), so it
moves with the disk as much as with the CPUs.

**Backlog** (\`bench/backlog.ts\`). 60 Ozon chats whose topics already exist; 600 buyer
messages (10 per chat) are written at once. The fake Telegram enforces its group budget scaled
in time: 20 posts per 2 s window (= 600/min, Telegram's 20/min compressed 30×). A first bridge
sets the topics up with no budget in the way and stops; the measured one starts on the same
state with \`startBridge\`'s \`sendQueue\` option, a \`GroupSendQueue\` counting the same 20 posts
per 2 s window (the config's budget is per minute). The fake reports \`retry_after\` in "window seconds" (2 s / 60 = 33 ms); grammY's
auto-retry waits \`retry_after\` real seconds, so the bench rewrites each 429's \`retry_after\`
into real seconds on the way out (\`retryAfterInRealSeconds\` in \`bench/fakes.ts\`): a 429 then
costs the same share of the window as against Telegram, while the budget and the 429 count stay
the fake's own. *Budget used* = posts in the full 2 s windows counted from the first post
(the last, partial window, where the backlog ran out, left out) ÷ 20 per window; an ideal
sliding-window sender scores 100 %. *Messages per chat* counts every budgeted post (send*,
copyMessage, createForumTopic) after the burst. *Longest wait* is the slowest chat's first burst
message. Naive: reads every chat's history once and posts one \`sendMessage\` per buyer message,
chat after chat, as fast as it can, sleeping only on 429 for \`retry_after\`.

**Files under a backlog** (\`bench/files.ts\`). 1 000 Ozon chats whose topics exist (a first
bridge, in-process with no budget in the way, sets them up and stops). While no bridge runs,
each chat gets a buyer message with a 2 MB photo; every message links the same file in the fake
Ozon (so the bench holds 2 MB, not 2 GB), and the bridge downloads each link on its own. The
bridge then starts as its own process: the start script's command and memory settings, with
Node's compile cache filled, but with \`bench/scaled-bridge.ts\` for entry in place of
\`src/main.ts\` (the configuration from the environment, and \`startBridge\`'s \`sendQueue\`
counting \`TELEGRAM_GROUP_MESSAGES_PER_MINUTE=20\` per 2 s window, the backlog bench's
compression of time; the fake Telegram counts the same budget and forgets uploaded files once
answered). *Peak RSS* is VmHWM from \`/proc/<pid>/status\` when the 1 000th photo reached
Telegram; the fakes run in the bench's process, so it is the bridge's own. The drain takes
50 minutes at the real 20 posts a minute; what a waiting chat holds is the same, only for 30×
longer. Before files were fetched in their post's turn (commit 47c9875), every changed chat
downloaded its photo before it waited for the budget: the same run peaked at 1 910 MB (measured
once, not by every run); eight runs after the change (c88dc7b) gave 144–224 MB. Where it goes (also
measured once): the peak comes in the first seconds, when the 1 000 chats are read at once and
the first 20 photos go out in the first window. The same run with a text message in place of
each photo peaks at 157–166 MB; the photos add up to about 60 MB of download and upload buffers
that are freed but not yet collected (V8 collects such memory in steps of about 64 MB), not a
file per waiting chat.

**Overhead** (\`bench/latency.ts\`), one message at a time over 10 chats with topics, after 50
warm-up messages, in the bridge's process (the fakes share its event loop), \`DATA_DIR\` in the
system temp directory:
- *poll*: from the moment the fake Ozon writes the \`/v3/chat/list\` answer that first carries
  the message's id as \`last_message_id\` (bridge polling every 10 ms; the interval itself is not
  counted) to the arrival of the \`sendMessage\` at the fake Telegram;
- *push*: from the bench starting the \`TYPE_NEW_MESSAGE\` POST to \`/push/<secret>/ozon\` to the
  arrival of the \`sendMessage\`;
- *staff*: from the fake Telegram answering \`getUpdates\` with the staff message to the arrival
  of \`/v1/chat/send/message\` at the fake Ozon.

The same three with \`DATABASE_URL\` (part \`overhead-pg\`): the state in a fresh database on a
PostgreSQL server the bench starts on 127.0.0.1 (\`startPostgres\` from
\`test/support/postgres-server.ts\`, with PostgreSQL's durable defaults: \`fsync\` and
\`synchronous_commit\` on, as a deployment runs it, where the tests turn them off), its data
directory in the system temp directory as \`DATA_DIR\`'s SQLite file is. Everything else as above,
the server on the same two CPUs as the bridge and the fakes.

**Takeover** (\`bench/takeover.ts\`, part \`takeover\`), in real time. Two processes of the start
script's command (through \`startBridgeProcess\`, Node's compile cache filled, each its own
\`DATA_DIR\` and \`INSTANCE_ID\`) share one fresh database on a PostgreSQL server the bench starts
(durable defaults, as for \`overhead-pg\`), with the fakes of Telegram and Ozon in the bench's
process and every other setting production's default: \`LEASE_SECONDS=15\` (renewed every 5 s),
\`POLL_INTERVAL_SECONDS=5\`, Telegram's 20 posts a minute. One Ozon chat has a topic and one
exchange behind it. Then ten rounds: after a pause drawn from 0–5 s (a seeded draw, so a kill
lands anywhere in the holder's renewal period), the bench asks \`/healthz\` who holds the staff
group's lease, sends that process SIGKILL (rounds 1–5) or SIGTERM (rounds 6–10), and at once
writes a buyer message in the fake Ozon and has staff reply in the topic (a \`getUpdates\`
update). The times run from the signal to the buyer message appearing in the fake Telegram's
topic and to the reply appearing in the fake Ozon (both watched every 2 ms). A round counts
only if the other instance holds the group afterwards and its \`lease taken\` line is older than
both deliveries (so a stopping holder did not post on its way out). A fresh standby is started
after each round, so there are always two. The goal is the issue's: LEASE_SECONDS plus one poll
interval. After a SIGKILL the other instance claims the group once the dead one's lease has
expired (10–15 s after the kill, by where in its renewal period it died) at its own next claim
(every 5 s); the staff reply goes out at once (the bot's lease comes with the group's and the
update waits in \`getUpdates\`), and the buyer message with it: a gained lease starts the
group's polling at once. At a SIGTERM the holder stops its work, releases its leases and notifies
the others (LISTEN/NOTIFY), which claim and poll at once. The last row compares, a poll interval after the last
round, the fake Telegram's topic and the fake Ozon's chat with the 11 buyer messages and 11
replies written.

**Memory** (\`bench/process.ts\`). The start script's process (via \`startBridgeProcess\`) first-starts on
a fake Ozon with 10 000 chats, each with one unread buyer message: 10 000 topics, headers and
messages. Telegram's budget is set out of the way (\`TELEGRAM_GROUP_MESSAGES_PER_MINUTE=1000000\`).
The process starts with Node's compile cache filled (by one earlier start that stopped at the
missing configuration), as every start after the first does. Three seconds after the last
message arrived, RSS and peak RSS come from \`/proc/<pid>/status\`
(VmRSS, VmHWM); heap figures from \`process.memoryUsage()\` written by \`bench/memory-probe.ts\`
(preloaded with \`NODE_OPTIONS=--import\`, with \`--expose-gc\` for the after-GC figure) on SIGUSR2.
Then the same shop a day later: the bench marks every chat read in the fake Ozon, and the
bridge is started again on the same \`DATA_DIR\` with \`POLL_INTERVAL_SECONDS=1\`; its RSS is read
after 15 list calls (15 poll cycles, two of them sweep pages), with 10 000 chats mapped. The
first figure is a high-water mark of relaying 10 000 messages in a minute and a half with
Telegram's budget lifted (at 20 posts a minute that burst would take more than eight hours);
the restarted figure is what a server holds day to day. Where the rest goes (measured once from \`/proc/<pid>/smaps\`, not by every run): about 55 MB is
the node binary's own code, resident but file-backed and shared with every other Node process;
loading \`src/\` as TypeScript (Node's type stripping) costs about 25 MB, which the start
script's compile cache (\`NODE_COMPILE_CACHE\`) saves on every start after the first (importing
\`src/app.ts\`: 114 MB with an empty cache, 89 MB with a filled one); \`node -e 0\` alone is
about 43 MB. Node's default young generation (16 MB semi-spaces) and one malloc arena per thread
roughly doubled the figure, hence the start script's \`--max-semi-space-size=1\` and
\`MALLOC_ARENA_MAX=2\`.

**Cold start** (\`bench/process.ts\`). Six runs, each with a fresh \`DATA_DIR\` and all with one
compile cache directory: spawning the start script's command → arrival of its first
\`getUpdates\` at the fake Telegram. The first run finds the compile cache empty, as the first
start after an install does, and is reported on its own; the median is of the other five. For
scale, five runs of \`node -e 0\` and of a process that only imports \`src/app.ts\` (with the
filled cache).

**Demo** (\`bench/demo.ts\`). Three runs of \`npm run --silent demo\` as a newcomer runs it (only
\`PATH\` and a fresh \`HOME\` in the environment, no \`.env\`): spawning the command → its exit with
code 0. The README says the demo takes "about ten seconds"; most of it is the demo's own pacing
(\`demo/run.ts\`: staff "type" for 1.5 s, it lingers 3 s after the buyer's answer, the sandbox
is polled every second), so the figure moves with those as much as with the bridge.
\`test/e2e/demo.test.ts\` checks only that the demo shows the whole loop and ends by itself.

No test asserts any of these timings; \`npm test\` only type-checks and lints \`bench/\`.
`;
