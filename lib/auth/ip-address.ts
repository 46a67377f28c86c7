import { isIP, isIPv4 } from 'node:net';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';

/**
 * An IP address as numbers: IPv4 in `v4` (unsigned 32 bits), IPv6 as eight 16-bit groups.
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are parsed as IPv4.
 */
export type IpAddress = { version: 4; v4: number } | { version: 6; groups: Uint16Array };

/** A CIDR range, compiled once: `prefix` leading bits of `address`. */
export interface IpRange {
  address: IpAddress;
  prefix: number;
}

/** Loopback and private ranges (RFC 1918, link-local, unique-local): the proxies trusted by default. */
export const PRIVATE_RANGES: readonly string[] = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

/**
 * Parses one address as found in a socket or a proxy header: surrounding spaces, an IPv6 zone
 * (`%eth0`), brackets (`[::1]`) and a port (`1.2.3.4:80`, `[::1]:80`) are tolerated. Anything
 * else that `net.isIP` rejects gives `undefined`.
 */
export function parseIp(text: string | undefined): IpAddress | undefined {
  if (text === undefined) return undefined;
  let value = text.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || (end !== value.length - 1 && !isPort(value.slice(end + 1), 1))) return undefined;
    value = value.slice(1, end);
  } else if (value.indexOf(':') === value.lastIndexOf(':') && value.includes('.')) {
    const colon = value.indexOf(':'); // IPv4 with a port
    if (colon >= 0) {
      if (!isPort(value, colon + 1)) return undefined;
      value = value.slice(0, colon);
    }
  }
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  if (value.charCodeAt(0) === 58 && /^::ffff:/i.test(value) && isIPv4(value.slice(7))) {
    return { version: 4, v4: parseV4(value.slice(7)) }; // the common IPv4-mapped peer, fast
  }
  const version = isIP(value);
  if (version === 4) return { version: 4, v4: parseV4(value) };
  if (version !== 6) return undefined;
  const groups = parseV6(value);
  const mapped = groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0;
  if (mapped && groups[5] === 0xffff) return { version: 4, v4: groups[6] * 0x10000 + groups[7] };
  return { version: 6, groups };
}

/** Whether `text` from `start` is a TCP port number. */
function isPort(text: string, start: number): boolean {
  const port = text.slice(start);
  return /^\d{1,5}$/.test(port) && Number(port) <= 65535;
}

/** Dotted quad of an address `net.isIP` accepted as IPv4. */
function parseV4(text: string): number {
  let result = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      result = result * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + code - 48;
    }
  }
  return result * 256 + octet;
}

/** Eight groups of an address `net.isIP` accepted as IPv6 (with `::` and an IPv4 tail). */
function parseV6(text: string): Uint16Array {
  const groups = new Uint16Array(8);
  let count = 0;
  let gap = -1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 58 /* : */) {
      if (digits > 0) groups[count++] = value;
      value = digits = 0;
      if (text.charCodeAt(i + 1) === 58) {
        gap = count;
        i++;
      }
    } else if (code === 46 /* . */) {
      const v4 = parseV4(text.slice(text.lastIndexOf(':') + 1));
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      digits = 0;
      break;
    } else {
      value = value * 16 + (code <= 57 ? code - 48 : (code | 32) - 87);
      digits++;
    }
  }
  if (digits > 0) groups[count++] = value;
  if (gap >= 0) {
    // move the groups after `::` to the end; each lands right of where it was, so nothing is overwritten
    for (let k = 1; k <= count - gap; k++) {
      groups[8 - k] = groups[count - k];
      groups[count - k] = 0;
    }
  }
  return groups;
}

/**
 * Compiles a CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single address (a full-length prefix).
 * Throws `InvalidRateLimitConfigError` naming `where` for anything else.
 */
export function parseRange(cidr: string, where: string): IpRange {
  const [addressText, prefixText, extra] = String(cidr).split('/');
  const address = parseIp(addressText);
  const bits = addressText.includes(':') ? 128 : 32;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || extra !== undefined || !(prefix <= bits)) {
    throw new InvalidRateLimitConfigError(
      `Invalid ${where}: ${JSON.stringify(cidr)}; use an IP address or a CIDR such as "10.0.0.0/8" or "2001:db8::/32".`,
    );
  }
  // An IPv4-mapped range (::ffff:10.0.0.0/104) is parsed as IPv4: its prefix counts from bit 96.
  return { address, prefix: address.version === 4 && bits === 128 ? Math.max(0, prefix - 96) : prefix };
}

/** Whether `ip` lies in `range` (an IPv4 address never lies in an IPv6 range, nor the reverse). */
export function inRange(ip: IpAddress, range: IpRange): boolean {
  const { address, prefix } = range;
  if (ip.version === 4) {
    if (address.version !== 4) return false;
    if (prefix === 0) return true;
    const shift = 32 - prefix;
    return ip.v4 >>> shift === address.v4 >>> shift;
  }
  if (address.version !== 6) return false;
  let bits = prefix;
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const shift = bits >= 16 ? 0 : 16 - bits;
    if (ip.groups[i] >>> shift !== address.groups[i] >>> shift) return false;
  }
  return true;
}

/**
 * The text of an address: dotted quad for IPv4; for IPv6 the canonical (RFC 5952) form of its
 * first `ipv6Prefix` bits followed by `/ipv6Prefix`, e.g. `2001:db8:1:2::/64`, or the bare address
 * when `ipv6Prefix` is 128.
 */
export function formatIp(ip: IpAddress, ipv6Prefix: number): string {
  if (ip.version === 4) {
    const v = ip.v4;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups = new Uint16Array(8);
  let bits = ipv6Prefix;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    groups[i] = bits >= 16 ? ip.groups[i] : ip.groups[i] & (0xffff << (16 - bits));
  }
  const text = formatV6(groups);
  return ipv6Prefix === 128 ? text : `${text}/${ipv6Prefix}`;
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function formatV6(groups: Uint16Array): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) [bestStart, bestLength] = [i, end - i];
    i = end;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
    } else {
      text += (text === '' || text.endsWith(':') ? '' : ':') + groups[i].toString(16);
    }
  }
  return text;
}
