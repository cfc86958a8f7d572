// The scrypt queue: bounded concurrency, and waiting addresses served in turn.
import { FairScheduler } from './fair-scheduler';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

it('runs at most `concurrency` tasks, and serves a second address before the flood of the first', async () => {
  const scheduler = new FairScheduler(1);
  const order: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const gates: (() => void)[] = [];
  const task = (name: string) => async () => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    order.push(name);
    const gate = deferred();
    gates.push(gate.resolve);
    await gate.promise;
    running -= 1;
  };
  const all = [...Array.from({ length: 5 }, (_, i) => scheduler.run('flood', task(`flood${i}`)))];
  await new Promise((r) => setImmediate(r));
  all.push(scheduler.run('legit', task('legit')));
  expect(scheduler.waiting).toBe(5);
  for (let i = 0; i < 6; i += 1) {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  }
  await Promise.all(all);
  expect(maxRunning).toBe(1);
  // Round robin: flood0 was running and flood1 was first in line; then the legit address, ahead of flood2..4.
  expect(order.slice(0, 3)).toEqual(['flood0', 'flood1', 'legit']);
  expect(order).toHaveLength(6);
});

it('frees its slot when a task throws', async () => {
  const scheduler = new FairScheduler(1);
  await expect(scheduler.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(scheduler.run('a', () => Promise.resolve(7))).resolves.toBe(7);
});
