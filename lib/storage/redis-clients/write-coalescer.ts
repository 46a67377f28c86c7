/** A connection's socket as ioredis exposes it (`Redis.stream`): a Node `net.Socket` or `tls.TLSSocket`. */
export interface CorkableSocket {
  readonly writable: boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Sends the commands written to a client's sockets during one turn of the event loop in one write
 * per socket. The first `hold()` of a turn corks the sockets that `sockets()` returns, and ONE
 * `setImmediate` uncorks them once the turn's I/O callbacks have run (one per turn, never a timer per
 * call). Node then writes each socket's buffered commands with one `writev`; Redis reads them in one
 * read and answers them in one write. Writes keep their order, so the client still matches each reply
 * to its own command, and nothing else about a command changes (its reply or error, its timeout, the
 * offline queue: a socket that is not there or not writable is left alone).
 */
export class WriteCoalescer {
  private held?: CorkableSocket[];

  /** @param sockets the sockets to hold this turn (undefined entries: connections not ready). */
  constructor(private readonly sockets: () => readonly (CorkableSocket | undefined)[]) {}

  /** Holds the sockets' writes until the end of this turn of the event loop (once per turn). */
  hold(): void {
    if (this.held !== undefined) return;
    const held: CorkableSocket[] = [];
    for (const socket of this.sockets()) {
      if (socket?.writable !== true) continue;
      socket.cork();
      held.push(socket);
    }
    if (held.length === 0) return;
    this.held = held;
    setImmediate(this.release);
  }

  /** Uncorks exactly the sockets corked (a socket replaced meanwhile by a reconnect is left as it is). */
  private readonly release = (): void => {
    const held = this.held!;
    this.held = undefined;
    for (const socket of held) socket.uncork();
  };
}
