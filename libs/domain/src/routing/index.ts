export * from './routing-rule';
export * from './match-rules';
export * from './strategies';
export * from './plan-route';
export * from './validate-rule';
export * from './circuit-breaker';
