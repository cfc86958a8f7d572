export * from './connection';
export * from './dev-server';
export * from './workflow-bundle';
export * from './message-workflows';
export * from './conversation-workflows';
export * from './campaign-workflows';
export * from './retention-workflows';
