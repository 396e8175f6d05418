/**
 * NMEA 0183 sentences from a GPS receiver: checksum and the two sentences a
 * tracker needs, GGA (fix data) and RMC (recommended minimum). NMEA is
 * 7-bit ASCII, so lines stay bytes until they are known to be ASCII: no text
 * decoder is needed (a device has none by default).
 */

/** A position fix. */
export interface Fix {
  /** The sentence it came from: "GGA" or "RMC". */
  readonly kind: string;
  /** UTC time of the fix, "hh:mm:ss" (fractions of a second dropped). */
  readonly time: string;
  /** Latitude in degrees, south negative, rounded to 1e-6 (about 0.1 m). */
  readonly lat: number;
  /** Longitude in degrees, west negative, rounded to 1e-6. */
  readonly lon: number;
  /** GGA's fix quality (1 GPS, 2 DGPS, 4 RTK...); 1 for an RMC whose status is A (valid). */
  readonly quality: number;
}

/**
 * What a line is: a fix; `"nofix"` (a GGA or RMC saying the receiver has no
 * position yet); `"other"` (a sound sentence the tracker does not use: GSV,
 * GSA, VTG...); `"checksum"` (well formed, but its checksum does not match:
 * corrupted on the wire); `"garbage"` (not an NMEA sentence at all).
 */
export type Parsed = Fix | 'nofix' | 'other' | 'checksum' | 'garbage';

const DOLLAR = 0x24, STAR = 0x2a, CR = 0x0d, LF = 0x0a;

/** The value of an ASCII hex digit, -1 for any other byte. */
function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** The XOR of `line[from..to)`: the NMEA checksum, over the bytes between "$" and "*". */
export function checksum(line: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum ^= line[i]!;
  return sum;
}

/** Parses one line as `readline()` returns it (CR LF or LF, or none, at its end). */
export function parseSentence(line: Uint8Array): Parsed {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  // "$" + a five-letter address + "*hh" at least.
  const star = end - 3;
  if (end < 9 || line[0] !== DOLLAR || line[star] !== STAR) return 'garbage';
  let text = '';
  for (let i = 1; i < star; i++) {
    const b = line[i]!;
    if (b < 0x20 || b > 0x7e || b === DOLLAR || b === STAR) return 'garbage';
    text += String.fromCharCode(b);
  }
  const hi = hexDigit(line[star + 1]!), lo = hexDigit(line[star + 2]!);
  if (hi < 0 || lo < 0) return 'garbage';
  if (checksum(line, 1, star) !== hi * 16 + lo) return 'checksum';
  const fields = text.split(',');
  // The address is a talker (GP, GN, GL...) and a sentence type.
  const type = fields[0]!.length === 5 ? fields[0]!.slice(2) : '';
  if (type === 'GGA') return gga(fields);
  if (type === 'RMC') return rmc(fields);
  return 'other';
}

/** $--GGA,time,lat,N|S,lon,E|W,quality,satellites,hdop,altitude,M,geoid,M,age,station */
function gga(f: string[]): Parsed {
  if (f.length < 7 || !/^\d$/.test(f[6]!)) return 'garbage';
  const quality = Number(f[6]);
  return quality === 0 ? 'nofix' : fix('GGA', f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, quality);
}

/** $--RMC,time,A|V,lat,N|S,lon,E|W,speed,course,date,variation,E|W[,mode] */
function rmc(f: string[]): Parsed {
  if (f.length < 10 || (f[2] !== 'A' && f[2] !== 'V')) return 'garbage';
  return f[2] === 'V' ? 'nofix' : fix('RMC', f[1]!, f[3]!, f[4]!, f[5]!, f[6]!, 1);
}

function fix(kind: string, time: string, lat: string, ns: string, lon: string, ew: string, quality: number): Parsed {
  if (!/^\d{6}(\.\d+)?$/.test(time)) return 'garbage';
  const la = degrees(lat, /^\d{4}(\.\d+)?$/, ns, 'N', 'S', 90), lo = degrees(lon, /^\d{5}(\.\d+)?$/, ew, 'E', 'W', 180);
  if (la === null || lo === null) return 'garbage';
  return { kind, time: `${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`, lat: la, lon: lo, quality };
}

/** "ddmm.mmmm" (or "dddmm.mmmm", as `form` says) and its hemisphere as signed degrees; null when malformed or out of range. */
function degrees(value: string, form: RegExp, hemisphere: string, plus: string, minus: string, max: number): number | null {
  if (!form.test(value) || (hemisphere !== plus && hemisphere !== minus)) return null;
  const dot = value.indexOf('.');
  // The minutes are the two digits before the point and the fraction.
  const d = (dot < 0 ? value.length : dot) - 2;
  const minutes = Number(value.slice(d));
  const deg = Number(value.slice(0, d)) + minutes / 60;
  if (minutes >= 60 || deg > max) return null;
  const rounded = Math.round(deg * 1e6) / 1e6;
  return hemisphere === minus ? -rounded : rounded;
}
