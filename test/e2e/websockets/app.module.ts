import type { ModuleMetadata } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import {
  MemoryStorage,
  RateLimit,
  RateLimitModule,
  RateLimitService,
  SkipRateLimit,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';

@WebSocketGateway({ path: '/ws' })
@RateLimit({ minute: 5 }) // every handler of the gateway, each in its own scope
export class ChatGateway implements OnGatewayConnection {
  constructor(private readonly rateLimit: RateLimitService) {}

  /**
   * At most 3 connections per minute per user: the handshake is not guarded, so the gateway limits
   * it. Unidentified clients may connect (their messages fail auth).
   */
  async handleConnection(client: any): Promise<void> {
    const { allowed } = await this.rateLimit
      .limitConnection(client, 'chat-connect', { minute: 3 })
      .catch(() => ({ allowed: true }));
    if (!allowed) {
      if (typeof client.disconnect === 'function') client.disconnect(true);
      else client.close();
    }
  }

  /** Two messages per minute per user, whatever connection they come from. */
  @SubscribeMessage('ping') @RateLimit({ minute: 2 }) ping(@MessageBody() data: unknown) {
    return { event: 'pong', data };
  }

  @SubscribeMessage('echo') echo(@MessageBody() data: unknown) {
    return { event: 'echo', data };
  }

  @SubscribeMessage('free') @SkipRateLimit() free() {
    return { event: 'free', data: 'ok' };
  }
}

/** The WebSocket scenario's module. */
export function wsScenario(options: RateLimitModuleOptions = {}): ModuleMetadata {
  return {
    imports: [RateLimitModule.forRoot({ storage: new MemoryStorage(), config: { '^/': [{ second: 0 }] }, ...options })],
    providers: [ChatGateway],
  };
}
