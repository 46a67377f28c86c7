import { Inject, Injectable, Logger, Optional, type ExecutionContext } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import { requestOf } from '../contexts/contexts.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { formatIp, inRange, parseIp, parseRange, PRIVATE_RANGES, type IpAddress, type IpRange } from './ip-address.js';
import type { Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/** Options of `ClientIpAuth`. */
export interface ClientIpAuthOptions {
  /**
   * Peers whose `X-Real-IP` / `X-Forwarded-For` headers are believed: CIDRs or addresses
   * (`'10.0.0.0/8'`, `'2001:db8::1'`), or `'none'` to always use the socket peer.
   * Default: loopback and private ranges (127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, ::1,
   * fc00::/7, fe80::/10). Unless `'none'`, a request with proxy headers from a peer not trusted
   * logs one warning (once per instance) naming this option.
   */
  trustedProxies?: readonly string[] | 'none';
  /**
   * Prefix length (bits, 1-128) by which IPv6 clients are grouped: everyone in one /64 shares a
   * budget, since a single host usually owns a whole /64. 128 = per address. Default 64.
   */
  ipv6Subnet?: number;
}

/** Never provided: `auth: ClientIpAuth` (built by Nest DI) gets the defaults. */
const CLIENT_IP_AUTH_OPTIONS = Symbol('CLIENT_IP_AUTH_OPTIONS');

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * Identifies callers by IP address, in group `'default'`. The client is the socket peer; when the
 * peer is a trusted proxy, it is the `X-Real-IP` header if valid, else the right-most address of
 * `X-Forwarded-For` that is not a trusted proxy (entries a client prepends cannot move it).
 * Malformed header values are ignored. IPv4-mapped IPv6 counts as IPv4; IPv6 clients are grouped
 * by subnet (`2001:db8:1:2::/64`). Reads the raw socket and headers, so it behaves the same on
 * Express and Fastify whatever their own trust-proxy settings.
 */
@Injectable()
export class ClientIpAuth implements RateLimitAuth {
  private readonly trusted: readonly IpRange[];
  private readonly ipv6Subnet: number;
  /** Whether the warning about proxy headers from an untrusted peer was logged (once per instance). */
  private warnedUntrusted = false;

  constructor(@Optional() @Inject(CLIENT_IP_AUTH_OPTIONS) options: ClientIpAuthOptions = {}) {
    const proxies = options.trustedProxies ?? PRIVATE_RANGES;
    if (proxies !== 'none' && !Array.isArray(proxies)) {
      throw new InvalidRateLimitConfigError(
        `Invalid ClientIpAuth option "trustedProxies": ${JSON.stringify(proxies)}; use a list of CIDRs or 'none'.`,
      );
    }
    this.trusted =
      proxies === 'none' ? [] : proxies.map((cidr) => parseRange(cidr, 'ClientIpAuth option "trustedProxies" entry'));
    this.warnedUntrusted = proxies === 'none'; // headers ignored by choice: nothing to tell
    const subnet = options.ipv6Subnet ?? 64;
    if (!Number.isInteger(subnet) || subnet < 1 || subnet > 128) {
      throw new InvalidRateLimitConfigError(
        `Invalid ClientIpAuth option "ipv6Subnet": ${JSON.stringify(subnet)}; use an integer prefix length from 1 to 128.`,
      );
    }
    this.ipv6Subnet = subnet;
  }

  authenticate(context: ExecutionContext): Identity {
    const request = requestOf(context);
    const raw = request.raw ?? request; // Fastify wraps the Node request
    return { user: formatIp(this.clientAddress(raw), this.ipv6Subnet), group: 'default' };
  }

  /** The client's address for a Node `IncomingMessage` (socket peer, then proxy headers). */
  protected clientAddress(raw: { socket?: { remoteAddress?: string }; headers: Record<string, any> }): IpAddress {
    const peer = parseIp(raw.socket?.remoteAddress);
    if (peer === undefined) throw new EmptyInformation('The request has no client address (socket closed)');
    if (!this.isTrusted(peer)) {
      if (!this.warnedUntrusted) this.warnUntrusted(peer, raw.headers);
      return peer;
    }

    const realIp = parseIp(singleHeader(raw.headers['x-real-ip']));
    if (realIp !== undefined) return realIp;

    const forwarded = raw.headers['x-forwarded-for'];
    if (forwarded === undefined) return peer;
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : String(forwarded)).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      if (hops[i].trim() === '') continue;
      const hop = parseIp(hops[i]);
      if (hop === undefined) break; // nothing left of a malformed hop can be trusted
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }

  /** Logs once that proxy headers were ignored: behind a proxy, every caller would share its address. */
  private warnUntrusted(peer: IpAddress, headers: Record<string, any>): void {
    const header =
      headers['x-forwarded-for'] !== undefined
        ? 'X-Forwarded-For'
        : headers['x-real-ip'] !== undefined
          ? 'X-Real-IP'
          : '';
    if (header === '') return;
    this.warnedUntrusted = true;
    const address = formatIp(peer, 128);
    new Logger('RateLimitModule').warn(
      `ClientIpAuth ignored ${header} from ${address}, which is not a trusted proxy: callers are identified by ` +
        `the socket address. If the app runs behind a proxy at ${address}, set ClientIpAuth's option ` +
        `"trustedProxies" (e.g. new ClientIpAuth({ trustedProxies: ['${address}'] })). Logged once.`,
    );
  }

  private isTrusted(ip: IpAddress): boolean {
    for (const range of this.trusted) if (inRange(ip, range)) return true;
    return false;
  }
}
