// Quick replies, per staff group, by name regardless of case.
import type { TemplateRecord } from "./records.ts";
import type { Table } from "./table.ts";

const templateKey = (staffChatId: number, name: string) => `${staffChatId}:${name.toLowerCase()}`;

export class Templates {
  readonly #table: Table<TemplateRecord>;
  constructor(table: Table<TemplateRecord>) {
    this.#table = table;
  }

  get(staffChatId: number, name: string): Promise<TemplateRecord | undefined> {
    return this.#table.get(templateKey(staffChatId, name));
  }

  /** Adds a template or replaces the one with the same name. */
  set(staffChatId: number, template: TemplateRecord): Promise<void> {
    return this.#table.set(templateKey(staffChatId, template.name), template);
  }

  /** False when the group had no template of that name. */
  async delete(staffChatId: number, name: string): Promise<boolean> {
    const key = templateKey(staffChatId, name);
    if (!(await this.#table.has(key))) return false;
    await this.#table.delete(key);
    return true;
  }

  /** The group's templates, by name. */
  async list(staffChatId: number): Promise<TemplateRecord[]> {
    const prefix = `${staffChatId}:`;
    const found: TemplateRecord[] = [];
    for await (const [key, template] of this.#table.entries()) {
      if (key.startsWith(prefix)) found.push(template);
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }
}
