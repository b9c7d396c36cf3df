/**
 * Changes of the server's state are made one at a time, in arrival order:
 * a bounded queue of async tasks. A task that arrives while `max` tasks
 * already wait is refused with TollgateError 'busy' (HTTP 503), never held.
 */
import { TollgateError } from '../engine/errors.js';

/** How many changes may wait behind the one being made (ServerStateOptions.maxQueuedChanges). */
export const DEFAULT_MAX_QUEUED_CHANGES = 256;

export class ChangeQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new TollgateError('invalid-argument', `maxQueuedChanges must be a positive integer, got ${max}`);
    }
  }

  /** How many tasks wait or run. */
  get size(): number {
    return this.waiting;
  }

  /** Runs `task` after every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.waiting > this.max) {
      return Promise.reject(
        new TollgateError(
          'busy',
          `the server is making ${this.waiting} other changes (at most ${this.max} wait): try again`,
        ),
      );
    }
    this.waiting++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.waiting--;
    });
  }
}
