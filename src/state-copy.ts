// `npm run state:copy -- <from> <to>`: each a DATA_DIR path or a postgres:// URL. Prints the
// entries copied per table; exit 0 when done, 2 when refused (usage, a bridge running, a
// target that holds state already), 1 when the copy failed.
import { errorText } from "./bridge/errors.ts";
import { CopyRefused, copyState } from "./bridge/store/copy.ts";
import { withoutPassword } from "./bridge/store/open.ts";
import { StateInUse } from "./bridge/store/table.ts";

const USAGE =
  "usage: npm run state:copy -- <from> <to>  (each a DATA_DIR path or a postgres:// URL)";

async function main(args: string[]): Promise<number> {
  const [from, to] = args;
  if (!from || !to || args.length !== 2) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // Errors name the places without their passwords; a server's own words never carry one.
  const shown = (text: string) =>
    text.split(from).join(withoutPassword(from)).split(to).join(withoutPassword(to));
  try {
    const counts = await copyState(from, to);
    const width = Math.max(...counts.map(([name]) => name.length));
    for (const [name, entries] of counts) {
      process.stdout.write(`${name.padEnd(width)}  ${entries}\n`);
    }
    const total = counts.reduce((sum, [, entries]) => sum + entries, 0);
    process.stdout.write(
      `copied ${total} entries from ${withoutPassword(from)} to ${withoutPassword(to)}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`state:copy: ${shown(errorText(error))}\n`);
    return error instanceof CopyRefused || error instanceof StateInUse ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
