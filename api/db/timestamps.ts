/**
 * timestamptz (oid 1184) as PostgreSQL writes it with DateStyle ISO (`2026-12-31 17:00:00.123+00`,
 * `0042-03-01 00:00:00+00`, `0001-12-31 23:00:00+00 BC`, `10000-01-01 00:00:00+00`, offsets like `+05:30` or
 * LMT's `+00:19:32`) → a Date, exactly. postgres.js's own parser is `new Date(text)`, which maps years 0-99 to
 * 1900-1999/2000-2049 and returns an Invalid Date (a crash at `toISOString()`) for BC and five-digit years.
 * Anything else (`infinity`, another DateStyle) keeps the driver's behaviour.
 */
const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

export function parseTimestamptz(text: string): Date {
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
