import type { ExecutionContext, Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { ROUTES } from '../variants/bench.routes.js';

const noop = () => undefined;

/**
 * A new call of `GET /limited` on `controller` (its `limited` handler) as Nest hands it to guards:
 * an `ExecutionContextHost` of `[req, res, next]` with the objects a server creates per request, the
 * request carrying `headers`, the response's header setters no-ops (Express's and Fastify's names).
 */
export function limitedCall(controller: Type<unknown>, headers: Record<string, string>): ExecutionContext {
  const request = { method: 'GET', url: ROUTES.limited, originalUrl: ROUTES.limited, headers };
  const handler = (controller.prototype as { limited: () => string }).limited;
  return new ExecutionContextHost([request, { setHeader: noop, header: noop }, noop], controller, handler);
}
