import type { ExecutionContext } from '@nestjs/common';
import type { ContextKind } from './context-kind.interface.js';
import { httpContext } from './http.context.js';

/** Every context kind rate limiting handles, by Nest's name of it. */
const CONTEXT_KINDS: ReadonlyMap<string, ContextKind> = new Map([[httpContext.type, httpContext]]);

/** The kind of `context`, or `undefined` for one rate limiting does not handle. */
export function contextKindOf(context: ExecutionContext): ContextKind | undefined {
  return CONTEXT_KINDS.get(context.getType());
}

/** The request of `context` that auth providers read (see `ContextKind.request`). */
export function requestOf(context: ExecutionContext): any {
  return contextKindOf(context)?.request(context);
}
