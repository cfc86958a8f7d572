// The one place in the SMPP connector where a command_status, or a failure on our side of the
// link, becomes a CarrierSubmitError. Which status means what lives in the shared taxonomy
// (classifySmppStatus in libs/domain/src/error-taxonomy.ts); from it:
//
//   throttled    ESME_RTHROTTLED 0x58, ESME_RMSGQFUL 0x14
//   unavailable  ESME_RSYSERR 0x08, ESME_RSUBMITFAIL 0x45, ESME_RX_T_APPN 0x64 (transient SMSC
//                faults), and from here: ESME_RINVBNDSTS 0x04 (the SMSC no longer counts our
//                session as bound, so the connector rebinds), no bind, a lost link, no
//                submit_sm_resp in time
//   rejected     everything else: ESME_RINVMSGLEN 0x01 (invalid_message), ESME_RINVSRCADR 0x0A,
//                ESME_RINVSRCTON/NPI 0x48/0x49 (invalid_sender), ESME_RINVDSTADR 0x0B,
//                ESME_RINVDSTTON/NPI 0x50/0x51 (invalid_destination, permanent),
//                ESME_RX_R_APPN 0x66 (destination_barred, permanent), any other status
//                (carrier_rejected: another carrier may take it), and a text too long to fit
//                one PDU (invalid_message)
import { classified, classifySmppStatus, ERRORS } from '@app/domain';
import { ESME_RINVBNDSTS, hexStatus, knownStatusName } from '@app/smpp';
import { CarrierSubmitError } from '../carrier-submit-error';

/** A status that says our session is not usable: the connector drops the link and rebinds. */
export function statusNeedsRebind(status: number): boolean {
  return status === ESME_RINVBNDSTS;
}

/** The error for a submit_sm_resp (or generic_nack) with a non-zero command_status. */
export function submitStatusError(status: number): CarrierSubmitError {
  const name = knownStatusName(status);
  const label = name ? `${name} (${hexStatus(status)})` : hexStatus(status);
  const error = statusNeedsRebind(status) ? classified(ERRORS.carrierUnavailable, label) : classifySmppStatus(status, name);
  return new CarrierSubmitError(error, `submit_sm answered ${label}`, { commandStatus: status, commandStatusName: name });
}

/** No bind, a lost link, no answer in time, or the connector closing: transient, on our side. */
export function unavailable(reason: string): CarrierSubmitError {
  return new CarrierSubmitError(classified(ERRORS.carrierUnavailable, reason), reason);
}

/** A message this connector cannot put into a PDU at all; no carrier on SMPP would take it as is. */
export function unsendable(reason: string): CarrierSubmitError {
  return new CarrierSubmitError(classified(ERRORS.invalidMessage, reason), reason);
}
