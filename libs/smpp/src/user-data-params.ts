// The user-data parameters of a submit_sm or deliver_sm, as octets.

/** short_message holds at most 254 octets; longer user data travels in message_payload. */
export const SHORT_MESSAGE_MAX = 254;

/**
 * Octets, not a string (the library would otherwise re-encode with its own global default):
 * in short_message, or with `inPayload` in message_payload with an empty short_message.
 */
export function userDataParams(octets: Uint8Array, inPayload: boolean): Record<string, unknown> {
  return inPayload ? { short_message: Buffer.alloc(0), message_payload: Buffer.from(octets) } : { short_message: Buffer.from(octets) };
}

/** User data in short_message when it fits, else in message_payload. */
export function userDataParamsBySize(octets: Uint8Array): Record<string, unknown> {
  return userDataParams(octets, octets.length > SHORT_MESSAGE_MAX);
}
