import { Controller, Get, Injectable, type ExecutionContext } from '@nestjs/common';
import {
  MemoryStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitModule,
  type AuthProvider,
  type RateLimitStorage,
} from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';

/** Records what the guard's canActivate gave back: a value, a promise, or a synchronous throw. */
@Injectable()
class RecordingGuard extends RateLimitGuard {
  static outcomes: ('value' | 'promise' | 'throw')[] = [];

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    try {
      const result = super.canActivate(context);
      RecordingGuard.outcomes.push(result instanceof Promise ? 'promise' : 'value');
      return result;
    } catch (error) {
      RecordingGuard.outcomes.push('throw');
      throw error;
    }
  }
}

@Controller()
class PingController {
  @Get('ping') @RateLimit({ second: 1 }) ping() {
    return 'pong';
  }
}

/** A MemoryStorage answering through a promise, as any remote storage does. */
class AsyncMemoryStorage implements RateLimitStorage {
  constructor(private readonly memory: MemoryStorage) {}
  consume(request: Parameters<RateLimitStorage['consume']>[0]) {
    return Promise.resolve(this.memory.consume(request));
  }
  reset(identityKey: string) {
    return Promise.resolve(this.memory.reset(identityKey));
  }
}

describe.each(PLATFORMS)('the guard on %s answers without a promise when auth and storage do', (platform) => {
  const run = async (auth: AuthProvider, storage: (clock: FakeClock) => RateLimitStorage) => {
    const clock = new FakeClock();
    const app = await createApp(platform, {
      imports: [RateLimitModule.forRoot({ guard: RecordingGuard, auth, storage: storage(clock) })],
      controllers: [PingController],
    });
    RecordingGuard.outcomes = [];
    try {
      expect((await http(app).get('/ping')).status).toBe(200);
      expect((await http(app).get('/ping')).status).toBe(429);
      return RecordingGuard.outcomes;
    } finally {
      await app.close();
    }
  };
  const syncAuth = () => ({ user: 'u' });
  const asyncAuth = async () => ({ user: 'u' });
  const memory = (clock: FakeClock) => new MemoryStorage({ clock: clock.now });

  it('sync auth + MemoryStorage: a boolean, and the 429 thrown at once', async () => {
    expect(await run(syncAuth, memory)).toEqual(['value', 'throw']);
  });

  it('async auth or an async storage: a promise', async () => {
    expect(await run(asyncAuth, memory)).toEqual(['promise', 'promise']);
    expect(await run(syncAuth, (clock) => new AsyncMemoryStorage(memory(clock)))).toEqual(['promise', 'promise']);
  });
});
