// command_status values this project answers with or reacts to, and their names for logs.
import { errors } from 'smpp';

const NAMES = new Map<number, string>(Object.entries(errors).map(([name, code]) => [code, name]));

export const ESME_ROK = 0x00;
export const ESME_RINVCMDID = 0x03;
export const ESME_RINVBNDSTS = 0x04;
export const ESME_RALYBND = 0x05;
export const ESME_RBINDFAIL = 0x0d;
export const ESME_RINVPASWD = 0x0e;
export const ESME_RINVSYSID = 0x0f;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;
/** Temporary application error: asks the SMSC to deliver the deliver_sm again later. */
export const ESME_RX_T_APPN = 0x64;
/** Permanent application error: the SMSC should not deliver this deliver_sm again. */
export const ESME_RX_P_APPN = 0x65;

/** A command_status as 0x and eight hex digits. */
export const hexStatus = (status: number): string => `0x${status.toString(16).padStart(8, '0')}`;

/** "ESME_RINVDSTADR", or undefined for a status the smpp library does not name. */
export function knownStatusName(status: number): string | undefined {
  return NAMES.get(status);
}

/** "ESME_RINVDSTADR", or the hex value for a status the smpp library does not name. */
export function commandStatusName(status: number): string {
  return NAMES.get(status) ?? hexStatus(status);
}
