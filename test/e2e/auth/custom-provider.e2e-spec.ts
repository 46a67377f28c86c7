import {
  Global,
  Injectable,
  Module,
  type ExecutionContext,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import {
  EmptyInformation,
  MemoryStorage,
  RateLimitModule,
  type ConsumeRequest,
  type ConsumeResult,
  type Identity,
  type RateLimitAuth,
  type RateLimitStorage,
} from '../../../lib/index.js';
import { createApp, http, PLATFORMS, type Platform } from '../../support/app.js';
import { ProbeController, revealIdentity } from './probe.controller.js';

/** The app's own service: API keys to accounts. */
@Injectable()
class AccountsService {
  private readonly accounts = new Map([
    ['key-alice', { id: 'alice', plan: 'staff' }],
    ['key-root', { id: 'root', plan: 'admin' }],
  ]);
  find(apiKey: string | undefined) {
    return apiKey === undefined ? undefined : this.accounts.get(apiKey);
  }
}

@Module({ providers: [AccountsService], exports: [AccountsService] })
class AccountsModule {}

@Global()
@Module({ providers: [AccountsService], exports: [AccountsService] })
class GlobalAccountsModule {}

/** A custom auth provider built by Nest DI: identifies callers by `X-Api-Key`. */
@Injectable()
class ApiKeyAuth implements RateLimitAuth {
  constructor(private readonly accounts: AccountsService) {}

  authenticate(context: ExecutionContext): Identity {
    const account = this.accounts.find(context.switchToHttp().getRequest().headers['x-api-key']);
    if (account === undefined) throw new EmptyInformation('No known X-Api-Key');
    return { user: account.id, group: account.plan };
  }
}

/** The app's own service a storage reports to. */
@Injectable()
class StorageAudit {
  readonly users: string[] = [];
}

@Module({ providers: [StorageAudit], exports: [StorageAudit] })
class AuditModule {}

/** A custom storage built by Nest DI: keeps counts in memory and reports every call to the audit. */
@Injectable()
class AuditedStorage implements RateLimitStorage {
  private readonly memory = new MemoryStorage();
  constructor(private readonly audit: StorageAudit) {}

  consume(request: ConsumeRequest): ConsumeResult {
    this.audit.users.push(request.identityKey);
    return this.memory.consume(request);
  }

  reset(identityKey: string): void {
    this.memory.reset(identityKey);
  }
}

const boot = (platform: Platform, metadata: ModuleMetadata) =>
  createApp(platform, { ...metadata, controllers: [ProbeController] });

async function expectApiKeyIdentities(app: INestApplication): Promise<void> {
  expect((await http(app).get('/whoami').set('X-Api-Key', 'key-alice')).body).toEqual({
    user: 'alice',
    group: 'staff',
  });
  expect((await http(app).get('/whoami').set('X-Api-Key', 'key-root')).body).toEqual({ user: 'root', group: 'admin' });
  expect((await http(app).get('/whoami')).status).toBe(401);
}

describe.each(PLATFORMS)('custom providers built by Nest DI on %s', (platform) => {
  it('an auth class injecting a service from the `imports` option', async () => {
    const app = await boot(platform, {
      imports: [RateLimitModule.forRoot({ auth: ApiKeyAuth, imports: [AccountsModule], onBlocked: revealIdentity })],
    });
    try {
      await expectApiKeyIdentities(app);
    } finally {
      await app.close();
    }
  });

  it('an auth class injecting a service from a global module', async () => {
    const app = await boot(platform, {
      imports: [GlobalAccountsModule, RateLimitModule.forRoot({ auth: ApiKeyAuth, onBlocked: revealIdentity })],
    });
    try {
      await expectApiKeyIdentities(app);
    } finally {
      await app.close();
    }
  });

  it('an auth class injecting a service through forRootAsync imports', async () => {
    const app = await boot(platform, {
      imports: [
        RateLimitModule.forRootAsync({
          imports: [AccountsModule],
          useFactory: () => ({ auth: ApiKeyAuth, onBlocked: revealIdentity }),
        }),
      ],
    });
    try {
      await expectApiKeyIdentities(app);
    } finally {
      await app.close();
    }
  });

  it('an auth class whose dependency is missing fails at bootstrap, naming it', async () => {
    const failing = boot(platform, { imports: [RateLimitModule.forRoot({ auth: ApiKeyAuth })] });
    await expect(failing).rejects.toThrow(/AccountsService/);
  });

  it('a storage class injecting a service from the `imports` option', async () => {
    const app = await boot(platform, {
      imports: [RateLimitModule.forRoot({ storage: AuditedStorage, imports: [AuditModule] })],
    });
    try {
      expect((await http(app).get('/limited')).status).toBe(200);
      expect((await http(app).get('/limited')).status).toBe(429);
      const audit = app.get(StorageAudit);
      expect(audit.users).toHaveLength(2);
      expect(audit.users[0]).toContain('127.0.0.1');
    } finally {
      await app.close();
    }
  });

  it('a storage class injecting a service from a global module', async () => {
    @Global()
    @Module({ providers: [StorageAudit], exports: [StorageAudit] })
    class GlobalAuditModule {}

    const app = await boot(platform, {
      imports: [GlobalAuditModule, RateLimitModule.forRoot({ storage: AuditedStorage })],
    });
    try {
      expect((await http(app).get('/limited')).status).toBe(200);
      expect((await http(app).get('/limited')).status).toBe(429);
      expect(app.get(StorageAudit).users).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});
