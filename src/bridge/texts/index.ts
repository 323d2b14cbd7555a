import { en } from "./en.ts";
import { ru, type Texts } from "./ru.ts";

export type { Texts };

export function textsFor(language: "ru" | "en"): Texts {
  return language === "en" ? en : ru;
}
