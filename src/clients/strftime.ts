// C's strftime() in the C/POSIX locale, local time, for upslog's %TIME …% (NUT passes the
// format to strftime after turning '@' into '%'). Unknown conversions are copied as written,
// as glibc does. %Z comes from Intl and may read "GMT+2" where glibc says "CEST".

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2, fill = '0'): string => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const a = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const b = Date.UTC(start.getFullYear(), 0, 1);
  return Math.round((a - b) / 86_400_000); // 0-based
}

/** ISO 8601 week number and week-based year. */
function isoWeek(d: Date): { week: number; year: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { week: Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7), year: t.getUTCFullYear() };
}

function tzAbbrev(d: Date): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

export function strftime(format: string, d: Date): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%' || i + 1 >= format.length) { out += c; continue; }
    const k = format[++i] as string;
    out += conversion(k, d) ?? `%${k}`;
  }
  return out;
}

function conversion(k: string, d: Date): string | undefined {
  const h = d.getHours();
  switch (k) {
    case 'a': return (DAYS[d.getDay()] as string).slice(0, 3);
    case 'A': return DAYS[d.getDay()];
    case 'b': case 'h': return (MONTHS[d.getMonth()] as string).slice(0, 3);
    case 'B': return MONTHS[d.getMonth()];
    case 'c': return strftime('%a %b %e %H:%M:%S %Y', d);
    case 'C': return pad(Math.floor(d.getFullYear() / 100));
    case 'd': return pad(d.getDate());
    case 'D': return strftime('%m/%d/%y', d);
    case 'e': return pad(d.getDate(), 2, ' ');
    case 'F': return strftime('%Y-%m-%d', d);
    case 'g': return pad(isoWeek(d).year % 100);
    case 'G': return String(isoWeek(d).year);
    case 'H': return pad(h);
    case 'I': return pad(h % 12 === 0 ? 12 : h % 12);
    case 'j': return pad(dayOfYear(d) + 1, 3);
    case 'k': return pad(h, 2, ' ');
    case 'l': return pad(h % 12 === 0 ? 12 : h % 12, 2, ' ');
    case 'm': return pad(d.getMonth() + 1);
    case 'M': return pad(d.getMinutes());
    case 'n': return '\n';
    case 'p': return h < 12 ? 'AM' : 'PM';
    case 'P': return h < 12 ? 'am' : 'pm';
    case 'r': return strftime('%I:%M:%S %p', d);
    case 'R': return strftime('%H:%M', d);
    case 's': return String(Math.floor(d.getTime() / 1000));
    case 'S': return pad(d.getSeconds());
    case 't': return '\t';
    case 'T': return strftime('%H:%M:%S', d);
    case 'u': return String(d.getDay() || 7);
    case 'U': return pad(Math.floor((dayOfYear(d) + 7 - d.getDay()) / 7));
    case 'V': return pad(isoWeek(d).week);
    case 'w': return String(d.getDay());
    case 'W': return pad(Math.floor((dayOfYear(d) + 7 - ((d.getDay() + 6) % 7)) / 7));
    case 'x': return strftime('%m/%d/%y', d);
    case 'X': return strftime('%H:%M:%S', d);
    case 'y': return pad(d.getFullYear() % 100);
    case 'Y': return String(d.getFullYear());
    case 'z': return tzOffset(d);
    case 'Z': return tzAbbrev(d);
    case '%': return '%';
    default: return undefined;
  }
}
