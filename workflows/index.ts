// Every workflow the worker runs. Deterministic code only: see eslint.config.mjs.
export { sendMessage } from './send-message.workflow';
export { sendBatch } from './send-batch.workflow';
export { conversation } from './conversation.workflow';
export { runCampaign } from './run-campaign.workflow';
export { verifyPhone } from './verify-phone.workflow';
export { applyRetention } from './retention.workflow';
export { eraseSubject } from './erase-subject.workflow';
