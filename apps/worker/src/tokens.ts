// Injection tokens of the worker's Nest container.
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
export const LOGGER = Symbol('LOGGER');
export const LIMITS_POOL = Symbol('LIMITS_POOL');
