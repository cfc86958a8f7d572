// benchTrivial: the smallest workflow shaped like a message (one activity, one signal), used
// by bench/ to measure the Temporal ceiling that sendMessage is compared against.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

const { benchNoop } = proxyActivities<{ benchNoop(): Promise<void> }>({ startToCloseTimeout: '30s' });
export const benchDone = defineSignal('benchDone');

export async function benchTrivial(): Promise<void> {
  let done = false;
  setHandler(benchDone, () => {
    done = true;
  });
  await benchNoop();
  await condition(() => done);
}
