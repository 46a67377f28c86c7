import { createSecretKey } from 'node:crypto';
import { Body, Controller, Get, Module, Post, Req, UnauthorizedException } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { ClientIpAuth, JwtAuth, RateLimit, RateLimitModule, SessionAuth, SkipRateLimit } from '../../lib/index.js';

/** Demo accounts (never do this in a real app): user -> password and group. */
const ACCOUNTS: Record<string, { password: string; group: string }> = {
  alice: { password: 'alice', group: 'default' },
  root: { password: 'root', group: 'admin' },
};

/** Writes session fields: express-session and @fastify/session take properties, @fastify/secure-session set(). */
function setSession(session: any, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) {
    if (typeof session.set === 'function') session.set(key, value);
    else session[key] = value;
  }
}

@Controller('auth')
export class AuthController {
  constructor(private readonly jwt: JwtService) {}

  /** Checks the demo password; returns a JWT and also signs the caller in to the session. */
  @Post('login')
  login(@Body() body: { user?: string; password?: string }, @Req() req: any) {
    const account = ACCOUNTS[body.user ?? ''];
    if (account === undefined || account.password !== body.password) throw new UnauthorizedException();
    setSession(req.session, { user: body.user, group: account.group });
    return { token: this.jwt.sign({ user: body.user, group: account.group }) };
  }
}

@Controller('api')
export class ApiController {
  /** Limited by the config below: 5 per minute, admins unlimited. */
  @Get('data') data() {
    return { data: [1, 2, 3] };
  }

  /** Also 1 per second for everyone but admins. */
  @Get('report') @RateLimit({ second: 1 }) @SkipRateLimit('admin') report() {
    return { report: 'ok' };
  }
}

@Module({
  imports: [
    JwtModule.register({
      global: true,
      // a KeyObject, not a string: jsonwebtoken then verifies ~100x faster (no PEM parsing attempt per token)
      secret: createSecretKey(Buffer.from(process.env.JWT_SECRET ?? 'sample-secret-change-me-0123456789abcdef')),
      signOptions: { expiresIn: '1h' },
    }),
    RateLimitModule.forRoot({
      // a Bearer token first, then a session user, else the caller's IP
      auth: [JwtAuth, SessionAuth, ClientIpAuth],
      config: {
        '^/auth/login': [{ minute: 10, blockTime: 300 }],
        '^/api': [{ minute: 5 }, { group: 'admin' }],
      },
    }),
  ],
  controllers: [AuthController, ApiController],
})
export class AppModule {}
