// Who may bind: a known, enabled system_id with the right password, from an allowed source
// address. (The limit of simultaneous binds is checked when the session registers, in the same
// tick, so two binds racing cannot both take the last slot.) Unknown system_ids and wrong passwords get
// the same answer (ESME_RINVPASWD), after the same delay, so a bind does not reveal which
// system_ids exist.
import { BlockList, isIP } from 'node:net';
import * as smpp from 'smpp';
import { SmppCredentialRepository, SmppCredentialWithHash, verifySmppPassword } from '@app/db';

export type BindOutcome = { ok: true; credential: SmppCredentialWithHash } | { ok: false; commandStatus: number; reason: string };

/** Slows password guessing; a legitimate ESME binds rarely. */
const FAILED_BIND_DELAY_MS = 500;

export function ipAllowed(remoteAddress: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const address = remoteAddress.startsWith('::ffff:') && isIP(remoteAddress.slice(7)) === 4 ? remoteAddress.slice(7) : remoteAddress;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of allowed) {
    const [net, prefix] = entry.split('/');
    const entryFamily = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(net, entryFamily);
    else list.addSubnet(net, Number(prefix), entryFamily);
  }
  return list.check(address, family);
}

export class BindPolicy {
  constructor(private readonly credentials: SmppCredentialRepository) {}

  /** Delay then refusal, for a bind refused after authentication (e.g. too many binds). */
  async refuse(commandStatus: number, reason: string): Promise<BindOutcome> {
    await new Promise((resolve) => setTimeout(resolve, FAILED_BIND_DELAY_MS));
    return { ok: false, commandStatus, reason };
  }

  async authenticate(systemId: unknown, password: unknown, remoteAddress: string): Promise<BindOutcome> {
    const fail = async (commandStatus: number, reason: string): Promise<BindOutcome> => {
      await new Promise((resolve) => setTimeout(resolve, FAILED_BIND_DELAY_MS));
      return { ok: false, commandStatus, reason };
    };
    if (typeof systemId !== 'string' || systemId === '' || typeof password !== 'string') return fail(smpp.errors.ESME_RINVPASWD, 'system_id or password missing');
    const credential = await this.credentials.find(systemId);
    if (!credential || !(await verifySmppPassword(password, credential.passwordHash))) return fail(smpp.errors.ESME_RINVPASWD, 'unknown system_id or wrong password');
    if (!credential.enabled) return fail(smpp.errors.ESME_RBINDFAIL, 'credential disabled');
    if (!ipAllowed(remoteAddress, credential.allowedIps)) return fail(smpp.errors.ESME_RBINDFAIL, `source address ${remoteAddress} not allowed`);
    return { ok: true, credential };
  }
}
