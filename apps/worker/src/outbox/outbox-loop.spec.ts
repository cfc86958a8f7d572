// The outbox loop without PostgreSQL (woken by hand): one round at a time, another after a
// wake-up during a round, again while a round says more waits, a pause after a failed round.
import type { Logger } from 'pino';
import { OutboxLoop } from './outbox-loop';

const logger = { warn: jest.fn() } as unknown as Logger;
const tick = () => new Promise((r) => setTimeout(r, 5));

function loopWith(round: () => Promise<boolean>): OutboxLoop {
  return new OutboxLoop({ databaseUrl: 'postgres://unused', channel: 'c', applicationName: 'a', pollMs: 1000, maxBackoffMs: 5000, logger, failureMessage: 'failed', round });
}

it('runs one round at a time, and one more for wake-ups during a round', async () => {
  let running = 0;
  let most = 0;
  let rounds = 0;
  let release!: () => void;
  const loop = loopWith(async () => {
    rounds += 1;
    running += 1;
    most = Math.max(most, running);
    if (rounds === 1) await new Promise<void>((r) => (release = r));
    running -= 1;
    return false;
  });
  loop.wake();
  loop.wake();
  loop.wake();
  await tick();
  expect(rounds).toBe(1);
  release();
  await tick();
  expect(rounds).toBe(2);
  expect(most).toBe(1);
});

it('goes on at once while a round says more is waiting', async () => {
  let left = 3;
  const loop = loopWith(async () => --left > 0);
  loop.wake();
  await tick();
  expect(left).toBe(0);
});

it('pauses after a failed round, longer after each, and resumes', async () => {
  let rounds = 0;
  const loop = loopWith(async () => {
    rounds += 1;
    throw new Error('down');
  });
  loop.wake();
  await tick();
  loop.wake(); // within the 200 ms pause: nothing
  await tick();
  expect(rounds).toBe(1);
  expect(logger.warn).toHaveBeenCalledWith({ err: 'down', retryInMs: 200 }, 'failed');
  await new Promise((r) => setTimeout(r, 220));
  loop.wake();
  await tick();
  expect(rounds).toBe(2);
  expect(logger.warn).toHaveBeenLastCalledWith({ err: 'down', retryInMs: 400 }, 'failed');
  await loop.stop();
  loop.wake();
  await new Promise((r) => setTimeout(r, 420));
  loop.wake();
  await tick();
  expect(rounds).toBe(2);
});
