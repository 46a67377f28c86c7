import { Injectable, type ExecutionContext } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import type { Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/** Loopback and private (RFC 1918, unique-local, link-local) peers: proxies trusted by default. */
const PRIVATE_PEER = /^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd][0-9a-f]{2}:|fe80:)/i;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Identifies callers by IP address, in group `'default'`: the socket peer, or the `X-Real-IP` header
 * when the peer is a trusted proxy (loopback or private address).
 */
@Injectable()
export class ClientIpAuth implements RateLimitAuth {
  authenticate(context: ExecutionContext): Identity {
    const request = context.switchToHttp().getRequest();
    const raw = request.raw ?? request; // Fastify wraps the Node request
    let ip: string | undefined = raw.socket?.remoteAddress;
    if (ip === undefined) throw new EmptyInformation('The request has no client address');
    if (ip.startsWith('::ffff:')) ip = ip.slice(7);
    if (PRIVATE_PEER.test(ip)) {
      const realIp = headerValue(raw.headers['x-real-ip'])?.trim();
      if (realIp) ip = realIp;
    }
    return { user: ip, group: 'default' };
  }
}
