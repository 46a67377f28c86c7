import { HttpException } from '@nestjs/common';
import { andThen } from '../utils/maybe-promise.js';
import { authFailureMessage } from './auth-failure.js';
import type { ContextKind } from './context-kind.interface.js';
import { optionalPeer } from './optional-peer.js';

const microservices = optionalPeer('@nestjs/microservices', () => import('@nestjs/microservices'));

/**
 * Microservice handlers (@nestjs/microservices `@MessagePattern` / `@EventPattern`, any transport):
 * one hit per message or event; no request, so config patterns do not apply and identity comes
 * from an auth provider reading `context.switchToRpc()`. A rejection is
 * `RpcException({ statusCode: 429, message: 'Too Many Requests', retryAfter })`, an auth failure an
 * `RpcException({ statusCode: 401, message })` naming the cause.
 */
export const rpcContext: ContextKind = {
  type: 'rpc',
  patterns: 'none',

  request() {
    return undefined;
  },

  method() {
    return '*';
  },

  writeHeaders() {
    // a message has no response to carry headers
  },

  rejection(retryAfter) {
    return andThen(
      microservices(),
      ({ RpcException }) => new RpcException({ statusCode: 429, message: 'Too Many Requests', retryAfter }),
    );
  },

  authFailure(error) {
    return andThen(microservices(), ({ RpcException }) => {
      if (error instanceof RpcException) return error;
      if (error instanceof HttpException)
        return new RpcException({ statusCode: error.getStatus(), message: error.message });
      return new RpcException({ statusCode: 401, message: authFailureMessage(error) });
    });
  },
};
