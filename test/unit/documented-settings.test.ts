// Every environment variable the code reads is documented where a seller looks for it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_VARIABLES } from "../../src/config.ts";

const root = join(import.meta.dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

describe("documented settings", () => {
  it("knows the variables the code reads", () => {
    expect(ENVIRONMENT_VARIABLES).toContain("TELEGRAM_BOT_TOKEN");
    expect(ENVIRONMENT_VARIABLES.length).toBeGreaterThan(20);
  });

  it.each(ENVIRONMENT_VARIABLES)("%s is in the README's table and in .env.example", (name) => {
    expect(read("README.md")).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
    expect(read(".env.example")).toMatch(new RegExp(`^${name}=`, "m"));
  });

  it("reads the environment only through config.ts (main.ts loads .env for it)", () => {
    const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => join("src", file));
    const readers = sources.filter((file) => read(file).includes("process.env"));
    expect(readers.sort()).toEqual(["src/config.ts"]);
  });
});
