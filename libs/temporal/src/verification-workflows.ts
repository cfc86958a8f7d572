// Starting a verification's verifyPhone workflow, shared by the API, the bench and the tests:
// one id per verification, searchable by VerificationId, AccountId and VerificationStatus, its
// tasks at OTP priority, a second start refused.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { PRIORITY_KEYS, searchAttributes, VERIFY_PHONE_WORKFLOW, verificationWorkflowId, VerifyPhoneInput, VerifyPhoneResult } from '@app/contracts';

export async function startVerifyPhone(client: Client, taskQueue: string, input: VerifyPhoneInput): Promise<{ started: boolean }> {
  try {
    await client.workflow.start<(input: VerifyPhoneInput) => Promise<VerifyPhoneResult>>(VERIFY_PHONE_WORKFLOW, {
      taskQueue,
      workflowId: verificationWorkflowId(input.verificationId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      priority: { priorityKey: PRIORITY_KEYS.otp },
      typedSearchAttributes: [
        { key: searchAttributes.verificationId, value: input.verificationId },
        { key: searchAttributes.accountId, value: input.accountId },
        { key: searchAttributes.verificationStatus, value: 'pending' },
      ],
    });
    return { started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
