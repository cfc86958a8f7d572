// Starting a campaign's runCampaign workflow, shared by the API and the tests: one id per
// campaign, searchable by CampaignId and AccountId, a second start refused.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { campaignWorkflowId, RUN_CAMPAIGN_WORKFLOW, RunCampaignInput, RunCampaignResult, searchAttributes } from '@app/contracts';

export async function startRunCampaign(client: Client, taskQueue: string, input: RunCampaignInput): Promise<{ started: boolean }> {
  try {
    await client.workflow.start<(input: RunCampaignInput) => Promise<RunCampaignResult>>(RUN_CAMPAIGN_WORKFLOW, {
      taskQueue,
      workflowId: campaignWorkflowId(input.campaignId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributes.campaignId, value: input.campaignId },
        { key: searchAttributes.accountId, value: input.accountId },
      ],
    });
    return { started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
