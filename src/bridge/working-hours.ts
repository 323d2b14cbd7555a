// The staff's working hours (WORKING_HOURS) in their time zone (TIMEZONE): whether an instant
// is inside them, when they open next, and how much working time lies between two instants.
// Reminders count a buyer's wait in working time, statistics report first responses in it,
// and an off-hours auto-reply goes out only outside it. Local times come from Intl with the
// IANA zone, so summer time and past offset changes follow the zone's own rules.

export const DEFAULT_TIME_ZONE = "Europe/Moscow";

export interface WorkingHours {
  /** Whether `at` (ms) falls inside a working period. */
  isOpen(at: number): boolean;
  /** `at` itself when open, else the start of the next working period (ms). */
  nextOpen(at: number): number;
  /** Working time between two instants (ms); 0 when `to` is not after `from`. */
  workingMs(from: number, to: number): number;
}

/** The format WORKING_HOURS is checked against, for the line a bad value gets. */
export const WORKING_HOURS_FORMAT =
  "days and hours separated by ;, like Mon-Fri 09:00-18:00; Sat 10:00-14:00 (days Mon…Sun, hours 00:00-24:00, several ranges a day with a comma)";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const RU_DAYS = ["вс", "пн", "вт", "ср", "чт", "пт", "сб"];
const DAY_MINUTES = 24 * 60;
/** A week and a day: every weekday once, whatever the starting point. */
const SEARCH_DAYS = 8;

/** A working range of one weekday, in minutes after local midnight. */
interface Range {
  from: number;
  to: number;
}

/** Always open: no WORKING_HOURS set. */
export const ALWAYS_OPEN: WorkingHours = {
  isOpen: () => true,
  nextOpen: (at) => at,
  workingMs: (from, to) => Math.max(0, to - from),
};

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * WORKING_HOURS as ranges per weekday (0 = Sunday), or a problem in words. Day names in
 * English or Russian (Mon, Пн), a span (Mon-Fri) or a list (Mon,Wed); ranges may not cross
 * midnight (write Fri 22:00-24:00; Sat 00:00-02:00 instead).
 */
export function parseSchedule(spec: string): Range[][] | string {
  const week: Range[][] = DAYS.map(() => []);
  const segments = spec
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
  if (segments.length === 0) return "no days given";
  for (const segment of segments) {
    const match = /^(\S+)\s+(.+)$/.exec(segment);
    if (!match) return `"${segment}" has no hours`;
    const days = parseDays(match[1] as string);
    if (typeof days === "string") return days;
    for (const text of (match[2] as string).split(",").map((r) => r.trim())) {
      const range = parseRange(text);
      if (typeof range === "string") return range;
      for (const day of days) week[day]?.push(range);
    }
  }
  for (const ranges of week) {
    ranges.sort((a, b) => a.from - b.from);
    for (let i = 1; i < ranges.length; i++) {
      if ((ranges[i] as Range).from < (ranges[i - 1] as Range).to) return "ranges of a day overlap";
    }
  }
  return week;
}

/** 0 (Sunday) to 6, or -1: Mon…Sun or Пн…Вс, any case. */
function dayIndex(name: string): number {
  const lower = name.toLowerCase();
  const en = DAYS.indexOf(lower);
  return en >= 0 ? en : RU_DAYS.indexOf(lower);
}

function parseDays(text: string): number[] | string {
  const days: number[] = [];
  for (const part of text.split(",").filter(Boolean)) {
    const [first, last, extra] = part.split("-");
    const from = dayIndex(first ?? "");
    const to = last === undefined ? from : dayIndex(last);
    if (from < 0 || to < 0 || extra !== undefined) return `"${part}" is not a day or span of days`;
    // Mon-Sun wraps past Saturday; Fri-Mon too.
    for (let d = from; ; d = (d + 1) % 7) {
      days.push(d);
      if (d === to) break;
    }
  }
  return days.length > 0 ? days : `"${text}" names no day`;
}

function parseRange(text: string): Range | string {
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return `"${text}" is not a range like 09:00-18:00`;
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  const from = h1 * 60 + m1;
  const to = h2 * 60 + m2;
  if (m1 > 59 || m2 > 59 || from >= DAY_MINUTES || to > DAY_MINUTES) {
    return `"${text}" is not a time of day`;
  }
  if (to <= from) return `"${text}" ends before it starts (split a range that crosses midnight)`;
  return { from, to };
}

/** A local calendar day in the zone. */
interface LocalDay {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

/** Wall-clock facts of instants in one zone. */
export class ZoneClock {
  readonly zone: string;
  private readonly format: Intl.DateTimeFormat;

  constructor(zone: string) {
    this.zone = zone;
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
  }

  /** The local date, weekday and minutes after midnight of `at`. */
  local(at: number): LocalDay & { minutes: number; hour: number; minute: number } {
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(at)) parts[p.type] = p.value;
    const hour = Number(parts.hour);
    const minute = Number(parts.minute);
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      weekday: DAYS.indexOf((parts.weekday ?? "").toLowerCase()),
      hour,
      minute,
      minutes: hour * 60 + minute,
    };
  }

  /** The instant of local wall time `minutes` after midnight of the given day. */
  instant(day: Pick<LocalDay, "year" | "month" | "day">, minutes: number): number {
    const wall = Date.UTC(day.year, day.month - 1, day.day, 0, minutes);
    // The zone's offset at the guess, then at the corrected guess (it may cross a change).
    let at = wall - this.offset(wall);
    at = wall - this.offset(at);
    return at;
  }

  /** The local day `days` after `day`. */
  addDays(day: Pick<LocalDay, "year" | "month" | "day">, days: number): LocalDay {
    const d = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
    };
  }

  private offset(at: number): number {
    const l = this.local(at);
    const seconds = new Date(at).getUTCSeconds();
    const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, seconds);
    return wall - (at - (at % 1000));
  }
}

/** The working hours `spec` describes in `zone`; always open without a spec. */
export function workingHours(spec: string | undefined, zone: string): WorkingHours {
  if (spec === undefined || spec.trim() === "") return ALWAYS_OPEN;
  const week = parseSchedule(spec);
  if (typeof week === "string") throw new Error(`WORKING_HOURS: ${week}`);
  const clock = new ZoneClock(zone);

  /** The working periods of the local day `offset` days after `at`'s, as instants. */
  const periods = (at: number, offset: number): [number, number][] => {
    const day = clock.addDays(clock.local(at), offset);
    return (week[day.weekday] ?? []).map((r) => [
      clock.instant(day, r.from),
      clock.instant(day, r.to),
    ]);
  };

  return {
    isOpen(at) {
      const l = clock.local(at);
      return (week[l.weekday] ?? []).some((r) => l.minutes >= r.from && l.minutes < r.to);
    },
    nextOpen(at) {
      for (let d = 0; d < SEARCH_DAYS; d++) {
        for (const [from, to] of periods(at, d)) {
          if (at < to) return Math.max(at, from);
        }
      }
      return at;
    },
    workingMs(from, to) {
      let total = 0;
      for (let d = 0; ; d++) {
        const dayPeriods = periods(from, d);
        const dayStart = clock.instant(clock.addDays(clock.local(from), d), 0);
        if (dayStart >= to) break;
        for (const [start, end] of dayPeriods) {
          total += Math.max(0, Math.min(end, to) - Math.max(start, from));
        }
      }
      return total;
    },
  };
}
