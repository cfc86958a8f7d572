// Injection tokens of the API's Nest container.
export const API_CONFIG = Symbol('API_CONFIG');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
export const LIMITS_POOL = Symbol('LIMITS_POOL');
/** The LISTEN connection that keeps SenderRules' cache current (closed at shutdown). */
export const SENDERS_LISTENER = Symbol('SENDERS_LISTENER');
