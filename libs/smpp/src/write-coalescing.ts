// SMPP traffic is many small PDUs (a submit_sm is ~60 bytes). Written one by one, each costs a
// system call and, with Nagle off, a TCP segment: profiles of the bulk path showed a fifth of
// the worker's and the gateway's CPU in socket writes. Corking a session's socket at its first
// write in a turn of the event loop and uncorking it on the next tick sends everything written
// in that turn in one writev, and delays nothing beyond the current tick.
import type { Socket } from 'node:net';

const COALESCING = Symbol('smpp write coalescing');

/** Makes the writes of one event-loop turn to `socket` leave together. Idempotent. */
export function coalesceWrites(socket: Socket): void {
  const marked = socket as Socket & { [COALESCING]?: true };
  if (marked[COALESCING]) return;
  marked[COALESCING] = true;
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corked && !this.destroyed) {
      corked = true;
      this.cork();
      process.nextTick(() => {
        corked = false;
        this.uncork();
      });
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}
