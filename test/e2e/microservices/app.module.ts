import { Controller, Get, type ExecutionContext, type ModuleMetadata } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  EmptyInformation,
  MemoryStorage,
  RateLimit,
  RateLimitModule,
  type Identity,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';

/** Identity of an RPC call: the `user` field of its payload (a custom provider, as the README shows). */
export function payloadUserAuth(context: ExecutionContext): Identity {
  const user = context.switchToRpc().getData()?.user;
  if (typeof user !== 'string') throw new EmptyInformation('The message has no "user" field');
  return { user };
}

/** Events handled, by user. */
export const AUDITED: string[] = [];

@Controller()
export class MathController {
  /** Two sums per minute per user. */
  @MessagePattern({ cmd: 'sum' }) @RateLimit({ minute: 2 }) sum(@Payload() data: { values: number[] }): number {
    return data.values.reduce((a, b) => a + b, 0);
  }

  @MessagePattern({ cmd: 'free' }) free(): string {
    return 'ok';
  }

  /** One audit event per minute per user; the rest are dropped. */
  @EventPattern('audit') @RateLimit({ minute: 1 }) audit(@Payload() data: { user: string }): void {
    AUDITED.push(data.user);
  }

  /** An HTTP route of the hybrid app. */
  @Get('status') @RateLimit({ minute: 1 }) status(): string {
    return 'up';
  }
}

/** The microservice scenario's module. */
export function rpcScenario(options: RateLimitModuleOptions = {}): ModuleMetadata {
  return {
    imports: [RateLimitModule.forRoot({ storage: new MemoryStorage(), auth: payloadUserAuth, ...options })],
    controllers: [MathController],
  };
}
