import type { PreparedMessage, RecipientCheck, RoutePlan } from '@app/contracts';

/**
 * A message's first steps, in their order: the opt-out check, then the route plan only for a
 * recipient who may get the message. The message workflow takes them through its local
 * activities (one step, or two for workflows started before the merge); the merged activity
 * through the repositories. `check` absent: no check (workflows started before it existed).
 */
export async function prepareMessageWith(
  steps: { check?: () => Promise<RecipientCheck>; plan: () => Promise<RoutePlan> },
): Promise<PreparedMessage> {
  const check: RecipientCheck = steps.check ? await steps.check() : { outcome: 'clear' };
  if (check.outcome === 'rejected') return { check: { ...check, outcome: 'rejected' }, plan: null };
  return { check: { ...check, outcome: check.outcome }, plan: await steps.plan() };
}
