import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { createApp, type Platform } from './app.js';
import { listen } from './raw-request.js';

/** One event a WebSocket client received. */
export interface WsEvent {
  event: string;
  data: any;
}

/** A connected client of either adapter, seen the same way: events in, events out. */
export interface WsTestClient {
  send(event: string, data?: unknown): void;
  /** Sends `event` and returns the next event received. */
  ask(event: string, data?: unknown): Promise<WsEvent>;
  /** The next event received (in order), within 5 s; `disconnect` when the server closed the connection. */
  next(): Promise<WsEvent>;
  close(): void;
}

/** How a client connects: handshake headers, and socket.io's `auth` payload. */
export interface ConnectOptions {
  headers?: Record<string, string>;
  auth?: Record<string, unknown>;
}

/** The WebSocket adapters every WebSocket scenario runs on (`describe.each(WS_ADAPTERS)`). */
export interface WsAdapterCase {
  name: 'socket.io' | 'ws';
  platform: Platform;
  /** Boots `root` on this adapter and connects clients to its gateway at `/ws`. */
  start(
    root: Parameters<typeof createApp>[1],
  ): Promise<{ app: INestApplication; connect(options?: ConnectOptions): Promise<WsTestClient> }>;
}

/** Queues what arrives so that `next()` reads events in order. */
function eventQueue() {
  const events: WsEvent[] = [];
  const waiting: ((event: WsEvent) => void)[] = [];
  return {
    push(event: WsEvent) {
      const waiter = waiting.shift();
      if (waiter) waiter(event);
      else events.push(event);
    },
    next(): Promise<WsEvent> {
      const event = events.shift();
      if (event) return Promise.resolve(event);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket event within 5 s')), 5000);
        waiting.push((received) => {
          clearTimeout(timer);
          resolve(received);
        });
      });
    },
  };
}

function withAsk(client: Omit<WsTestClient, 'ask'>): WsTestClient {
  return { ...client, ask: (event, data) => (client.send(event, data), client.next()) };
}

/** A socket.io client of the app at `base`, connected to the engine at `path`. */
export function socketIoClient(base: string, { headers, auth }: ConnectOptions, path = '/ws'): Promise<WsTestClient> {
  const socket = io(base, {
    path,
    transports: ['websocket'],
    extraHeaders: headers,
    auth,
    forceNew: true,
  });
  const queue = eventQueue();
  socket.onAny((event: string, data: unknown) => queue.push({ event, data }));
  socket.on('disconnect', () => queue.push({ event: 'disconnect', data: undefined }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket.io did not connect within 5 s')), 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(
        withAsk({
          send: (event, data) => socket.emit(event, data),
          next: queue.next,
          close: () => socket.disconnect(),
        }),
      );
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function wsClient(base: string, { headers }: ConnectOptions): Promise<WsTestClient> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers });
  const queue = eventQueue();
  socket.on('message', (raw) => queue.push(JSON.parse(String(raw))));
  socket.on('close', () => queue.push({ event: 'disconnect', data: undefined }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ws did not connect within 5 s')), 5000);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve(
        withAsk({
          send: (event, data) => socket.send(JSON.stringify({ event, data })),
          next: queue.next,
          close: () => socket.close(),
        }),
      );
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const WS_ADAPTERS: WsAdapterCase[] = [
  {
    name: 'socket.io',
    platform: 'express',
    async start(root) {
      const app = await createApp('express', root); // socket.io is Nest's default adapter
      const base = await listen(app);
      return { app, connect: (options = {}) => socketIoClient(base, options) };
    },
  },
  {
    name: 'ws',
    platform: 'fastify',
    async start(root) {
      const app = await createApp('fastify', root, (app) => app.useWebSocketAdapter(new WsAdapter(app)));
      const base = await listen(app);
      return { app, connect: (options = {}) => wsClient(base, options) };
    },
  },
];
