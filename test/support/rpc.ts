import type { INestApplication, INestMicroservice, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { freePort } from './redis-harness.js';

/** A TCP microservice of `metadata` on a free port of 127.0.0.1, and a ClientProxy connected to it. */
export async function startTcpMicroservice(
  metadata: ModuleMetadata,
): Promise<{ service: INestMicroservice; client: ClientProxy }> {
  @Module(metadata)
  class MicroserviceModule {}
  const port = await freePort();
  const moduleRef = await Test.createTestingModule({ imports: [MicroserviceModule] }).compile();
  const service = moduleRef.createNestMicroservice({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await service.listen();
  return { service, client: await tcpClient(port) };
}

/** Connects a TCP microservice to `app` (a hybrid app) with the app's global enhancers, and a ClientProxy to it. */
export async function connectTcpMicroservice(app: INestApplication): Promise<ClientProxy> {
  const port = await freePort();
  app.connectMicroservice(
    { transport: Transport.TCP, options: { host: '127.0.0.1', port } },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  return tcpClient(port);
}

async function tcpClient(port: number): Promise<ClientProxy> {
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
  await client.connect();
  return client;
}

/** The reply to `pattern`, or what the call failed with (the RpcException's payload), within 5 s. */
export async function call(
  client: ClientProxy,
  pattern: unknown,
  data: unknown,
): Promise<{ reply?: unknown; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(pattern)} within 5 s`)), 5000);
  });
  try {
    return { reply: await Promise.race([firstValueFrom(client.send(pattern, data)), timeout]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('no reply')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}
