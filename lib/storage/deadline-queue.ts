/** Pending call: rejected at `deadline` (ms timestamp) unless `settled` by then. */
interface Pending {
  deadline: number;
  settled: boolean;
  reject: (error: Error) => void;
}

/** Compact the queue once this many settled entries sit before its head. */
const COMPACT_AFTER = 1024;

/**
 * Time limits for promises that all share one timeout, with ONE timer for all of them instead of
 * one per call: deadlines come in the order calls start, so the timer only ever waits for the
 * oldest unsettled call and is re-armed when it fires. The timer is unref'd (never keeps the
 * process alive); `close()` clears it.
 */
export class DeadlineQueue {
  private queue: Pending[] = [];
  private head = 0;
  private timer?: NodeJS.Timeout;

  /**
   * @param timeoutMs ms each call may take.
   * @param timeoutError builds the error a late call is rejected with.
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly timeoutError: () => Error,
  ) {}

  /** `promise`, or a rejection with `timeoutError()` if it has not settled within `timeoutMs`. */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { deadline: Date.now() + this.timeoutMs, settled: false, reject };
      this.queue.push(pending);
      if (this.timer === undefined) this.arm(this.timeoutMs);
      promise.then(
        (value) => {
          pending.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          pending.settled = true;
          reject(error);
        },
      );
    });
  }

  /** Stops the timer; calls still pending are left to settle on their own. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.expire, Math.max(0, delayMs));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    const { queue } = this;
    while (this.head < queue.length) {
      const pending = queue[this.head];
      if (!pending.settled) {
        if (pending.deadline > now) break;
        pending.settled = true;
        pending.reject(this.timeoutError());
      }
      this.head++;
    }
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
      return;
    }
    if (this.head >= COMPACT_AFTER) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    this.arm(this.queue[this.head].deadline - now);
  };
}
