// Admission of messages' own workflows without PostgreSQL: room up to the bound, asked again
// only when full, freed by submits, forgotten after a minute.
import { FORGET_AFTER_MS, StartingWorkflows } from './starting-workflows';

it('gives room up to the bound and asks which submitted only when full', async () => {
  const asked: string[][] = [];
  let pending = new Set<string>();
  const starting = new StartingWorkflows(3, async (ids) => {
    asked.push(ids);
    return ids.filter((id) => pending.has(id));
  });
  expect(await starting.room()).toBe(3);
  starting.add(['a', 'b']);
  expect(await starting.room()).toBe(1);
  expect(asked).toEqual([]);

  starting.add(['c']);
  pending = new Set(['a', 'b', 'c']);
  expect(await starting.room()).toBe(0);
  expect(asked).toEqual([['a', 'b', 'c']]);

  pending = new Set(['c']); // a and b were handed to a carrier
  expect(await starting.room()).toBe(2);
  expect(starting.size).toBe(1);
});

it('forgets a workflow not seen to submit within a minute, without asking about it', async () => {
  let now = 1_000_000;
  const asked: string[][] = [];
  const starting = new StartingWorkflows(2, async (ids) => (asked.push(ids), ids), () => now);
  starting.add(['old']);
  now += FORGET_AFTER_MS / 2;
  starting.add(['young']);
  expect(await starting.room()).toBe(0);

  now += FORGET_AFTER_MS / 2 + 1;
  expect(await starting.room()).toBe(1);
  expect(asked.at(-1)).toEqual(['young']);
});
