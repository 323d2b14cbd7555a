// Days and clock times in the staff's time zone (an IANA name), for the daily digest: which day
// it is there, when that day began, and the moment a wall-clock time falls on.

export interface LocalDay {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsIn(timeZone: string, ms: number) {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(ms).map((p) => [p.type, Number.parseInt(p.value, 10)]),
  );
  return parts as Record<"year" | "month" | "day" | "hour" | "minute" | "second", number>;
}

/** The day `ms` falls on in `timeZone`. */
export function dayOf(ms: number, timeZone: string): LocalDay {
  const { year, month, day } = partsIn(timeZone, ms);
  return { year, month, day };
}

/** A day as a sortable number (20250314), for remembering which day something was done. */
export function dayNumber(day: LocalDay): number {
  return day.year * 10_000 + day.month * 100 + day.day;
}

/** The day before (or `days` days after) `day`. */
export function addDays(day: LocalDay, days: number): LocalDay {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The moment the wall clock in `timeZone` shows `minutes` after midnight of `day`. */
export function momentOf(day: LocalDay, minutes: number, timeZone: string): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day, 0, minutes);
  // The zone's offset at the wanted moment, found from a first guess; a second pass settles a
  // guess that fell on the other side of a change of offset.
  let moment = wall - offsetAt(wall, timeZone);
  moment = wall - offsetAt(moment, timeZone);
  return moment;
}

/** How far the zone's wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(timeZone, ms);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}
