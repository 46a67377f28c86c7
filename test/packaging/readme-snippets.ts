import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * README snippets as TypeScript files for a consumer app. Convention (also in README "README snippets
 * compile"): a ```ts block with an `import` line is a complete file; a block without one is a fragment,
 * compiled after `PRELUDE`; a block right after a `<!-- snippet: skip -->` line is not compiled.
 */
export interface Snippet {
  /** `README.md:42`: the markdown file (relative to the repository) and the line of the block's first code line. */
  origin: string;
  /** The block's code, as written. */
  code: string;
  /** False for a fragment, which needs the prelude. */
  complete: boolean;
}

/** What fragments may use without importing or declaring it. */
export const PRELUDE = `import { Controller, Get, Injectable, Module, Post, type ExecutionContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { Redis } from 'ioredis';
import {
  ClientIpAuth,
  createJwtAuth,
  EmptyInformation,
  JwtAuth,
  MemoryStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitModule,
  RateLimitService,
  RedisStorage,
  SessionAuth,
  SkipRateLimit,
  type Identity,
  type RateLimitAuth,
  type RouteRateLimit,
  type Rule,
  type RuleList,
} from 'nestjs-ratelimit';

declare const config: Record<string, Rule[]>;
declare const secret: string;
declare class AccountsService {
  find(apiKey: unknown): { id: string; plan: string } | undefined;
}
declare class AccountsModule {}
`;

const SKIP = '<!-- snippet: skip -->';

/** The ```ts blocks of one markdown file. */
export function snippetsOf(root: string, file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    const skipped =
      lines
        .slice(0, i)
        .reverse()
        .find((line) => line.trim() !== '') === SKIP;
    const code = lines.slice(start, end).join('\n');
    if (!skipped) snippets.push({ origin: `${file}:${start + 1}`, code, complete: /^import\s/m.test(code) });
    i = end;
  }
  return snippets;
}

/** README.md and every sample/*\/README.md of the repository, in that order. */
export function readmeSnippets(root: string): Snippet[] {
  const samples = readdirSync(join(root, 'sample'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'sample', entry.name, 'README.md')))
    .map((entry) => relative(root, join(root, 'sample', entry.name, 'README.md')));
  return ['README.md', ...samples.sort()].flatMap((file) => snippetsOf(root, file));
}

/** The file a snippet becomes: complete blocks as written, fragments after the prelude; `export {}` makes each a module. */
export function snippetSource(snippet: Snippet): { source: string; firstLine: number } {
  const head = snippet.complete ? '' : PRELUDE;
  return { source: `${head}${snippet.code}\nexport {};\n`, firstLine: head.split('\n').length };
}
