import { Logger } from '@nestjs/common';

const logger = new Logger('RateLimitModule');

/**
 * Logs a configuration that is valid but limits nothing where the operator probably meant it to.
 * Called while rules are compiled (at bootstrap, or when a decorator or service scope is first
 * compiled), never per request.
 */
export function warnConfig(message: string): void {
  logger.warn(message);
}
