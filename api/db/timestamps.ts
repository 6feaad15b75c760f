/**
 * timestamptz (oid 1184) as PostgreSQL writes it with DateStyle ISO (`2026-12-31 17:00:00.123+00`,
 * `0042-03-01 00:00:00+00`, `0001-12-31 23:00:00+00 BC`, `10000-01-01 00:00:00+00`, offsets like `+05:30` or
 * LMT's `+00:19:32`) → a Date, exactly. postgres.js's own parser is `new Date(text)`, which maps years 0-99 to
 * 1900-1999/2000-2049 and returns an Invalid Date (a crash at `toISOString()`) for BC and five-digit years.
 * Anything else (`infinity`, another DateStyle) keeps the driver's behaviour.
 */
const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

function parseTimestamptz(text: string): Date {
  return parseCommon(text) ?? parseAny(text);
}

/** Digits at [from, from + length) as a number, or -1. */
function digits(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The hot case, read by character codes (twice as fast as `new Date(text)`, which a regex and Date.UTC were
 * not): a year from 0100 to 9999, an optional fraction and a whole-hour offset (`+00` on the API's connections,
 * whose TimeZone is UTC). Anything else → undefined.
 */
function parseCommon(text: string): Date | undefined {
  const n = text.length;
  const sign = text.charCodeAt(n - 3);
  if (n < 22 || (sign !== 43 && sign !== 45) || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const offset = digits(text, n - 2, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || offset < 0)
    return undefined;
  let ms = 0;
  if (n > 22) {
    if (text.charCodeAt(19) !== 46) return undefined;
    let places = 0;
    for (let i = 20; i < n - 3 && places < 3; i++, places++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      ms = ms * 10 + d;
    }
    for (; places < 3; places++) ms *= 10;
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(sign === 45 ? utc + offset * 3_600_000 : utc - offset * 3_600_000);
}

function parseAny(text: string): Date {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return new Date(text);
  const bc = m[12] !== undefined;
  const year = bc ? 1 - Number(m[1]) : Number(m[1]);
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const fraction = m[7];
  const ms =
    fraction === undefined
      ? 0
      : Number(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, "0"));
  let time = Date.UTC(year, month, day, Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (year < 100) {
    // Date.UTC's two-digit-year rule: set the year itself.
    const date = new Date(time);
    date.setUTCFullYear(year, month, day);
    time = date.getTime();
  }
  const offsetSeconds = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
  return new Date(time - (m[8] === "-" ? -offsetSeconds : offsetSeconds) * 1000);
}

/** postgres.js `types` option: timestamptz parsed by `parseTimestamptz`, serialised as the driver does. */
export const TIMESTAMP_TYPES = {
  timestamptz: {
    to: 1184,
    from: [1184],
    serialize: (value: Date | string | number) =>
      (value instanceof Date ? value : new Date(value)).toISOString(),
    parse: parseTimestamptz,
  },
};
