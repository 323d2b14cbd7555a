import { describe, expect, it } from "vitest";
import {
  ALWAYS_OPEN,
  parseSchedule,
  workingHours,
  ZoneClock,
} from "../../src/bridge/working-hours.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Moscow is UTC+3 all year: 2025-06-02 is a Monday.
const msk = (day: number, hm: string) =>
  Date.parse(`2025-06-${String(day).padStart(2, "0")}T${hm}:00+03:00`);

describe("working hours", () => {
  const hours = workingHours("Mon-Fri 09:00-18:00; Sat 10:00-14:00", "Europe/Moscow");

  it("is open inside a range and closed outside, in the staff's zone", () => {
    expect(hours.isOpen(msk(2, "09:00"))).toBe(true);
    expect(hours.isOpen(msk(2, "17:59"))).toBe(true);
    expect(hours.isOpen(msk(2, "18:00"))).toBe(false);
    expect(hours.isOpen(msk(2, "08:59"))).toBe(false);
    expect(hours.isOpen(msk(7, "12:00"))).toBe(true); // Saturday
    expect(hours.isOpen(msk(8, "12:00"))).toBe(false); // Sunday
  });

  it("opens next at the following range, across a weekend", () => {
    expect(hours.nextOpen(msk(2, "23:00"))).toBe(msk(3, "09:00"));
    expect(hours.nextOpen(msk(3, "10:15"))).toBe(msk(3, "10:15"));
    expect(hours.nextOpen(msk(6, "18:30"))).toBe(msk(7, "10:00")); // Friday evening → Saturday
    expect(hours.nextOpen(msk(7, "14:00"))).toBe(msk(9, "09:00")); // Saturday afternoon → Monday
  });

  it("counts only working time between two instants", () => {
    expect(hours.workingMs(msk(2, "23:00"), msk(3, "09:30"))).toBe(30 * MINUTE);
    expect(hours.workingMs(msk(2, "17:50"), msk(3, "09:20"))).toBe(30 * MINUTE);
    // Friday 17:00 to Monday 10:00: 1 h + Saturday's 4 h + 1 h.
    expect(hours.workingMs(msk(6, "17:00"), msk(9, "10:00"))).toBe(6 * HOUR);
    expect(hours.workingMs(msk(3, "10:00"), msk(3, "09:00"))).toBe(0);
  });

  it("follows the zone's summer time", () => {
    const berlin = workingHours("Sun 01:00-04:00", "Europe/Berlin");
    // 2025-03-30: clocks go from 02:00 to 03:00, so the range holds two hours of real time.
    const from = Date.parse("2025-03-29T12:00:00Z");
    expect(berlin.workingMs(from, from + 2 * 24 * HOUR)).toBe(2 * HOUR);
    expect(berlin.nextOpen(from)).toBe(Date.parse("2025-03-30T00:00:00Z"));
  });

  it("is always open without WORKING_HOURS", () => {
    expect(ALWAYS_OPEN.isOpen(msk(8, "03:00"))).toBe(true);
    expect(ALWAYS_OPEN.nextOpen(123)).toBe(123);
    expect(ALWAYS_OPEN.workingMs(msk(2, "23:00"), msk(3, "09:30"))).toBe(10.5 * HOUR);
    expect(workingHours(undefined, "Europe/Moscow")).toBe(ALWAYS_OPEN);
  });

  it("reads Russian day names, lists and several ranges a day", () => {
    const split = workingHours("Пн,Ср 09:00-13:00, 14:00-18:00", "Europe/Moscow");
    expect(split.isOpen(msk(2, "13:30"))).toBe(false);
    expect(split.isOpen(msk(4, "14:30"))).toBe(true);
    expect(split.isOpen(msk(3, "10:00"))).toBe(false); // Tuesday
  });

  it("names what is wrong with a bad schedule", () => {
    expect(parseSchedule("Mon-Fri")).toBe('"Mon-Fri" has no hours');
    expect(parseSchedule("Mon-Fry 09:00-18:00")).toBe('"Mon-Fry" is not a day or span of days');
    expect(parseSchedule("Mon 9-18")).toBe('"9-18" is not a range like 09:00-18:00');
    expect(parseSchedule("Mon 22:00-02:00")).toMatch(/ends before it starts/);
    expect(parseSchedule("Mon 09:00-25:00")).toBe('"09:00-25:00" is not a time of day');
    expect(parseSchedule("Mon 09:00-12:00,11:00-13:00")).toBe("ranges of a day overlap");
  });

  it("tells local wall time in the zone", () => {
    const clock = new ZoneClock("Asia/Yekaterinburg");
    const local = clock.local(Date.parse("2025-06-02T10:30:00Z"));
    expect([local.day, local.hour, local.minute, local.weekday]).toEqual([2, 15, 30, 1]);
  });
});
