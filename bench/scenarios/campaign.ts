// campaign: the place for the campaigns feature's benchmark (ARCHITECTURE.md, flow 5): an
// audience of 100,000 recipients stored in PostgreSQL, one runCampaign workflow sending it in
// pages under its rate limit; the figure is the time until every recipient has a final status,
// with each process's RSS and CPU. It runs once campaigns exist; until then it says so and
// writes nothing, rather than report a figure for code that is not there.
import type { Scenario } from '../support';

export const campaignScenario: Scenario = {
  name: 'campaign',
  run() {
    return Promise.reject(
      new Error('campaign: there is no campaigns feature yet (no /v1/campaigns, no runCampaign workflow); this scenario is filled in with it (bench/scenarios/campaign.ts)'),
    );
  },
};
