// Who may bind: a known, enabled system_id with the right password, from an allowed source
// address, neither locked out. (The limits of simultaneous binds are checked when the session
// registers, in PostgreSQL, across replicas.) Unknown system_ids are checked against a dummy
// hash, and every failed bind is answered ESME_RINVPASWD at the same moment after it arrived
// (SMPP_BIND_FAILURE_DELAY_MS, doubling with each recent failure of its address or system_id),
// so a bind reveals neither which system_ids exist nor how long the check took.
// `SMPP_BIND_LOCKOUT_FAILURES` failures within `SMPP_BIND_LOCKOUT_SECONDS` lock the source
// address or the system_id out for that long (state in PostgreSQL, shared by replicas): a
// locked-out bind is refused without checking the password. Password checks (scrypt) run at
// most `SMPP_BIND_CONCURRENCY` at once, served in turn per source address.
import * as smpp from 'smpp';
import type { SmppGatewayConfig } from '@app/config';
import { hashSmppPassword, SmppCredentialRepository, SmppCredentialWithHash, SmppGatewayStateRepository, verifySmppPassword } from '@app/db';
import { ipAllowed, sourceAddress } from '@app/egress';
import { FairScheduler } from './fair-scheduler';

export type BindOutcome =
  | { ok: true; credential: SmppCredentialWithHash }
  | { ok: false; commandStatus: number; reason: string; /** close the connection after answering */ close?: boolean };

/** The back-off doubles per recent failure up to this many times the base delay. */
const MAX_DELAY_FACTOR = 16;

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

export class BindPolicy {
  private readonly checks: FairScheduler;
  /** A hash of no one's password: unknown system_ids cost the same scrypt as known ones. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly credentials: SmppCredentialRepository,
    private readonly state: SmppGatewayStateRepository,
    private readonly config: Pick<SmppGatewayConfig, 'bindConcurrency' | 'bindFailures'>,
  ) {
    this.checks = new FairScheduler(config.bindConcurrency);
    this.dummyHash = hashSmppPassword(`dummy-${Math.random()}`);
  }

  private failureDelayMs(failures: number): number {
    return this.config.bindFailures.delayMs * Math.min(MAX_DELAY_FACTOR, 2 ** Math.max(0, failures - 1));
  }

  /** Refusal after authentication (e.g. too many binds): answered after the base delay from `startedAt`. */
  async refuse(commandStatus: number, reason: string, startedAt = Date.now()): Promise<BindOutcome> {
    await sleepUntil(startedAt + this.config.bindFailures.delayMs);
    return { ok: false, commandStatus, reason };
  }

  async authenticate(systemId: unknown, password: unknown, remoteAddress: string): Promise<BindOutcome> {
    const startedAt = Date.now();
    const address = sourceAddress(remoteAddress);
    const id = typeof systemId === 'string' ? systemId : '';
    const keys = [`ip:${address}`, ...(id ? [`sid:${id}`] : [])];
    const policy = { threshold: this.config.bindFailures.threshold, windowMs: this.config.bindFailures.lockoutMs, lockoutMs: this.config.bindFailures.lockoutMs };

    if (await this.state.lockedOut(keys)) {
      await sleepUntil(startedAt + this.config.bindFailures.delayMs);
      return { ok: false, commandStatus: smpp.errors.ESME_RBINDFAIL, reason: 'locked out after repeated failed binds', close: true };
    }
    const credential = id ? await this.credentials.find(id) : null;
    const given = typeof password === 'string' ? password : '';
    const hash = credential?.passwordHash ?? (await this.dummyHash);
    const passwordOk = await this.checks.run(address, () => verifySmppPassword(given, hash));
    if (!credential || !passwordOk || typeof password !== 'string') {
      const failures = await this.state.recordFailure(keys, policy);
      await sleepUntil(startedAt + this.failureDelayMs(failures));
      const lockedNow = failures >= policy.threshold;
      return { ok: false, commandStatus: smpp.errors.ESME_RINVPASWD, reason: id ? 'unknown system_id or wrong password' : 'system_id or password missing', close: lockedNow };
    }
    await this.state.clearFailures(`sid:${id}`);
    if (!credential.enabled) return this.refuse(smpp.errors.ESME_RBINDFAIL, 'credential disabled', startedAt);
    if (!ipAllowed(address, credential.allowedIps)) return this.refuse(smpp.errors.ESME_RBINDFAIL, `source address ${address} not allowed`, startedAt);
    return { ok: true, credential };
  }
}
