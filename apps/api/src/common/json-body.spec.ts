// The raw-body checks of json-body.ts: depth counted on the bytes (brackets inside strings and
// escaped quotes do not count), prototype keys found at any depth with their path.
import { depthExceeds, MAX_JSON_DEPTH, prototypeKeyPath } from './json-body';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

it('counts nesting up to the limit, not beyond', () => {
  expect(depthExceeds(Buffer.from(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
  expect(depthExceeds(Buffer.from(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
  expect(depthExceeds(Buffer.from(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`), MAX_JSON_DEPTH)).toBe(true);
  // Siblings do not add up: a wide array of shallow objects is shallow.
  expect(depthExceeds(Buffer.from(JSON.stringify({ messages: Array.from({ length: 1000 }, () => ({ to: '+1', body: 'x' })) })), MAX_JSON_DEPTH)).toBe(false);
});

it('ignores brackets inside strings, escaped quotes included', () => {
  const text = JSON.stringify({ body: `${'['.repeat(100)} "quoted \\" [[[ ${'{'.repeat(100)}` });
  expect(depthExceeds(Buffer.from(text), MAX_JSON_DEPTH)).toBe(false);
  expect(depthExceeds(Buffer.from(JSON.stringify({ a: '\\', b: nested(40) })), MAX_JSON_DEPTH)).toBe(false);
});

it('finds prototype keys at any depth, with their path', () => {
  expect(prototypeKeyPath(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('__proto__');
  expect(prototypeKeyPath(JSON.parse('{"messages":[{"to":"+1"},{"constructor":{}}]}'))).toBe('messages[1].constructor');
  expect(prototypeKeyPath(JSON.parse('{"rules":[{"policy":{"prototype":1}}]}'))).toBe('rules[0].policy.prototype');
  expect(prototypeKeyPath({ to: '+1', body: 'constructor __proto__ prototype' })).toBeUndefined();
});
