import { Test } from '@nestjs/testing';
import {
  MemoryStorage,
  RateLimitModule,
  RateLimitService,
  RedisStorage,
  type RateLimitStorage,
} from '../../lib/index.js';
import { useRedisServer } from '../support/redis-harness.js';

/** Users that differ only in lone UTF-16 surrogates (Redis stores every one of them as U+FFFD). */
const USERS = ['\ud800x', '\udbffx', '\ufffdx', 'x\udc00', 'x\ufffd', '\ud83d\ude00x'];

const redis = useRedisServer();

describe.each<[string, () => RateLimitStorage]>([
  ['MemoryStorage', () => new MemoryStorage()],
  ['RedisStorage', () => new RedisStorage(redis.client)],
])('users with lone surrogates on %s', (_name, storage) => {
  it('each have their own counter', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RateLimitModule.forRoot({ storage: storage(), keyPrefix: `surrogates-${_name}` })],
    }).compile();
    const service = moduleRef.get(RateLimitService);
    for (const user of USERS) {
      expect((await service.consume({ user }, 'scope', { minute: 1 })).allowed).toBe(true);
    }
    for (const user of USERS) {
      expect((await service.consume({ user }, 'scope', { minute: 1 })).allowed).toBe(false);
    }
    await service.reset(USERS[0]);
    expect((await service.consume({ user: USERS[0] }, 'scope', { minute: 1 })).allowed).toBe(true);
    expect((await service.consume({ user: USERS[1] }, 'scope', { minute: 1 })).allowed).toBe(false);
    await moduleRef.close();
  });
});
