// The scrypt queue: bounded concurrency, a slot always left for another address, waiting
// addresses served in turn.
import { FairScheduler } from './fair-scheduler';

/** A task that runs until released, recording when it started. */
function harness() {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  const task = (name: string) => () =>
    new Promise<void>((resolve) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      started.push(name);
      release.set(name, () => {
        running -= 1;
        resolve();
      });
    });
  const tick = () => new Promise((r) => setImmediate(r));
  return { started, release: (name: string) => release.get(name)!(), task, tick, maxRunning: () => maxRunning };
}

it('leaves a slot for another address while one address floods, and serves waiting addresses in turn', async () => {
  const scheduler = new FairScheduler(2);
  const h = harness();
  const all = Array.from({ length: 4 }, (_, i) => scheduler.run('flood', h.task(`flood${i}`)));
  await h.tick();
  expect(h.started).toEqual(['flood0']); // the flood holds at most concurrency - 1 slots
  all.push(scheduler.run('legit', h.task('legit')));
  await h.tick();
  expect(h.started).toEqual(['flood0', 'legit']); // starts at once
  all.push(scheduler.run('other', h.task('other')));
  h.release('legit');
  await h.tick();
  // flood1 waited longest, but 'flood' already runs flood0: 'other' takes the free slot.
  expect(h.started).toEqual(['flood0', 'legit', 'other']);
  h.release('flood0');
  await h.tick();
  expect(h.started.at(-1)).toBe('flood1');
  for (const name of ['other', 'flood1', 'flood2', 'flood3']) {
    await h.tick();
    h.release(name);
  }
  await Promise.all(all);
  expect(h.maxRunning()).toBe(2);
  expect(scheduler.waiting).toBe(0);
});

it('frees its slot when a task throws', async () => {
  const scheduler = new FairScheduler(1);
  await expect(scheduler.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(scheduler.run('a', () => Promise.resolve(7))).resolves.toBe(7);
});
