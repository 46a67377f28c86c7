import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that holds every connection (accepted, nothing forwarded)
 * until `open()`: a Redis that is "not answering yet" without being down, e.g. to boot apps whose
 * clients cannot become ready until the test says so.
 */
export class TcpGate {
  private opened = false;
  private readonly held: Socket[] = [];
  private readonly sockets = new Set<Socket>();
  /** Connections accepted so far. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket) => {
      this.connections++;
      this.track(socket);
      socket.pause();
      if (this.opened) this.forward(socket);
      else this.held.push(socket);
    });
  }

  /** Listens on a free port of 127.0.0.1. */
  static start(targetPort: number): Promise<TcpGate> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new TcpGate(server, targetPort)));
    });
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Forwards the held connections and every later one. */
  open(): void {
    this.opened = true;
    for (const socket of this.held.splice(0)) this.forward(socket);
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(socket: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    socket.resume();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
  }
}
