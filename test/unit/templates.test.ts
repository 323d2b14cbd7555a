import { describe, expect, it } from "vitest";
import { fillTemplate, isTemplateName, templateCall } from "../../src/bridge/templates.ts";

describe("template names and calls", () => {
  it("takes Latin or Cyrillic letters, digits, _ and - up to 30 characters", () => {
    for (const name of ["доставка", "Return_2", "ёжик-1", "я".repeat(30)]) {
      expect(isTemplateName(name), name).toBe(true);
    }
    for (const name of ["", "я".repeat(31), "a.b", "два слова", "emoji🙂", "日本"]) {
      expect(isTemplateName(name), name).toBe(false);
    }
  });

  it("a call is a whole message of ! and a name; anything else is text for the buyer", () => {
    expect(templateCall("!доставка")).toBe("доставка");
    expect(templateCall("  !Доставка \n")).toBe("Доставка");
    for (const text of [undefined, "!!!", "! доставка", "!доставка сегодня", "Спасибо!", "!a.b"]) {
      expect(templateCall(text), String(text)).toBeUndefined();
    }
  });
});

describe("fillTemplate", () => {
  const values = { order: "123-1", buyer: "Иван", shop: "Магазин", staff: "Анна" };

  it("puts every placeholder's value in, as often as it occurs", () => {
    expect(
      fillTemplate("{buyer}, заказ {order} ({order}). {staff}, {shop}. {other}", values),
    ).toEqual({
      text: "Иван, заказ 123-1 (123-1). Анна, Магазин. {other}",
    });
  });

  it("reports each placeholder without a value once, whether missing or blank", () => {
    expect(
      fillTemplate("{buyer} {order} {buyer} {staff}", { ...values, buyer: undefined, order: " " }),
    ).toEqual({ missing: ["buyer", "order"] });
  });
});
