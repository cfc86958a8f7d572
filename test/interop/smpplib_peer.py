#!/usr/bin/env python3
"""An ESME built on PyPI smpplib (2.2.4): an SMPP implementation independent of our own, for
end-to-end tests of our SMPP servers (the SMPP gateway, carrier-sim's SMSCs).

Reads one JSON job on stdin, for example:

    {"host": "127.0.0.1", "port": 2775, "systemId": "acme", "password": "secret12",
     "bind": "transceiver",
     "messages": [{"from": "ACME", "to": "+447700900123", "text": "Hello", "registeredDelivery": true}],
     "concat": "udh", "expectReceipts": 1, "timeoutSeconds": 30}

(optional: "expectInbound" mobile-originated messages to wait for as well, "systemType",
per-message "sourceTon"/"sourceNpi"/"destTon"/"destNpi", "allowUnknownTlvs" (default true),
"socketTimeoutSeconds", "debug": true to log every PDU in hex on stderr)

binds, submits every message (GSM 03.38 when the text fits GSM-7, else UCS-2; long texts split by
smpplib.gsm.make_parts, with an 8-bit-reference UDH ("udh") or SAR TLVs ("sar")), records each
submit_sm_resp, then reads PDUs (answering deliver_sm) until `expectReceipts` delivery receipts have
arrived or the timeout has passed, unbinds and prints ONE JSON line with what happened.

Exit codes: 0 with the JSON (also when the bind was refused: "bound": false); 2 on a network or
protocol error (the message on stderr); 64 on a bad job.

Run with PYTHONPATH=<repo>/.tools/python (scripts/setup.js --test installs smpplib there).
"""

import json
import logging
import random
import select
import socket
import struct
import sys
import traceback
import time
import warnings

try:
    import smpplib.client
    import smpplib.consts
    import smpplib.exceptions
    import smpplib.gsm
    import smpplib.smpp
except ImportError as exc:  # pragma: no cover - setup problem, not a protocol one
    sys.stderr.write('smpplib is not importable (%s): run node scripts/setup.js --test and set '
                     'PYTHONPATH=<repo>/.tools/python\n' % exc)
    sys.exit(2)

consts = smpplib.consts

EXIT_PROTOCOL = 2
EXIT_USAGE = 64

RECEIPT_MASK = 0x3C
RECEIPT_SMSC = 0x04
UDHI = 0x40

MESSAGE_STATES = {
    'ENROUTE': 1, 'DELIVRD': 2, 'EXPIRED': 3, 'DELETED': 4,
    'UNDELIV': 5, 'ACCEPTD': 6, 'UNKNOWN': 7, 'REJECTD': 8,
}

# GSM 03.38 default alphabet and its extension table (for decoding mobile-originated texts;
# smpplib only encodes). Index = septet value.
GSM_BASIC = (
    u"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    u"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = {0x0A: u'\f', 0x14: u'^', 0x28: u'{', 0x29: u'}', 0x2F: u'\\', 0x3C: u'[',
                0x3D: u'~', 0x3E: u']', 0x40: u'|', 0x65: u'€'}


class UsageError(Exception):
    pass


class ProtocolError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Encoding


def gsm7_representable(text):
    """True when smpplib can put `text` in GSM 03.38 (data_coding 0) without changing it.

    smpplib.gsm.gsm_encode looks characters up in a table that uses '`' as its filler, so it
    'encodes' a backtick (not a GSM character) as 0x5F (which is '§' in GSM 03.38): treat a
    backtick as not representable so such texts go as UCS-2 instead of being corrupted.
    """
    if u'`' in text:
        return False
    try:
        smpplib.gsm.gsm_encode(text)
        return True
    except UnicodeError:
        return False


def split_text(text, concat):
    """Returns (parts, data_coding, esm_class) for a text, via smpplib.gsm.make_parts."""
    coding = consts.SMPP_ENCODING_DEFAULT if gsm7_representable(text) else consts.SMPP_ENCODING_ISO10646
    parts, coding, esm_class = smpplib.gsm.make_parts(text, encoding=coding, use_udhi=(concat == 'udh'))
    return parts, coding, esm_class


def address(value, kind):
    """(addr, ton, npi) for a source or destination given as text."""
    if value.startswith('+') and value[1:].isdigit():
        return value[1:], consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN
    if value.isdigit():
        # A short code or a national number: unknown TON, ISDN plan.
        return value, consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN
    if kind == 'source':
        return value, consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK
    raise UsageError('destination %r is not a phone number' % value)


# --------------------------------------------------------------------------------------------
# Decoding


def as_text(value):
    """A C-octet string field (bytes from smpplib) as text, leniently."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode('latin-1')
    return str(value)


def gsm_decode(octets):
    out = []
    escape = False
    for b in bytearray(octets):
        b &= 0x7F
        if escape:
            out.append(GSM_EXTENDED.get(b, u' '))
            escape = False
        elif b == 0x1B:
            escape = True
        else:
            out.append(GSM_BASIC[b])
    return u''.join(out)


def decode_user_data(octets, data_coding):
    coding = (data_coding or 0) & 0xFF
    if coding == 0x00 or (coding & 0xF4) == 0xF0:
        # SMSC default alphabet (taken as GSM 03.38, one septet per octet) or the GSM
        # message-class group with the default alphabet.
        return gsm_decode(octets)
    if coding == 0x08 or (0x10 <= coding < 0x40 and (coding & 0x0C) == 0x08):
        return octets.decode('utf-16-be', 'replace')
    if coding == 0x01:
        return octets.decode('ascii', 'replace')
    # Latin-1 (0x03), 8-bit binary and anything else: latin-1 keeps every octet.
    return octets.decode('latin-1')


def parse_udh(octets):
    """(udh bytes, concat info or None, rest) of user data that starts with a UDH."""
    if not octets:
        return b'', None, octets
    udhl = bytearray(octets)[0]
    udh = octets[:udhl + 1]
    rest = octets[udhl + 1:]
    concat = None
    ies = bytearray(udh[1:])
    i = 0
    while i + 1 < len(ies):
        iei, length = ies[i], ies[i + 1]
        data = ies[i + 2:i + 2 + length]
        if iei == 0x00 and length == 3:
            concat = (data[0], data[1], data[2])
        elif iei == 0x08 and length == 4:
            concat = ((data[0] << 8) | data[1], data[2], data[3])
        i += 2 + length
    return udh, concat, rest


# --------------------------------------------------------------------------------------------
# The session


class Peer(object):
    def __init__(self, job):
        self.job = job
        self.client = None
        self.result = {
            'bound': False,
            'bindStatus': None,
            'submits': [],
            'receipts': [],
            'inbound': [],
            'timedOut': False,
        }
        # sequence_number -> the response list of the submit it belongs to
        self.pending = {}
        self.partial_inbound = {}
        self.peer_unbound = False
        self.unbind_answered = False
        self.deadline = time.time() + float(job.get('timeoutSeconds', 30))

    # -- reading ------------------------------------------------------------------------------

    def remaining(self):
        return self.deadline - time.time()

    def read_one(self, wait):
        """Reads and handles one PDU if one arrives within `wait` seconds; False if none did."""
        if wait <= 0:
            return False
        readable, _, _ = select.select([self.client._socket], [], [], wait)
        if not readable:
            return False
        try:
            pdu = self.client.read_pdu()
        except socket.timeout:
            raise ProtocolError('timed out in the middle of a PDU')
        except smpplib.exceptions.ConnectionError:
            raise ProtocolError('connection closed by the server')
        if pdu is None:
            raise ProtocolError('received a PDU with an unknown command_id')
        self.handle(pdu)
        return True

    def handle(self, pdu):
        command = pdu.command
        if command in ('submit_sm_resp', 'generic_nack'):
            target = self.pending.pop(pdu.sequence, None)
            response = {'status': int(pdu.status), 'messageId': as_text(getattr(pdu, 'message_id', None)) or None}
            if command == 'generic_nack':
                response['command'] = 'generic_nack'
            if target is not None:
                target.append(response)
            elif command == 'generic_nack':
                raise ProtocolError('generic_nack 0x%08x for sequence %d, which we did not send' % (pdu.status, pdu.sequence))
        elif command == 'deliver_sm':
            self.on_deliver_sm(pdu)
            # smpplib's own handler answers deliver_sm_resp (ESME_ROK, same sequence_number).
            self.client._message_received(pdu)
        elif command == 'enquire_link':
            self.client._enquire_link_received(pdu)
        elif command == 'enquire_link_resp':
            pass
        elif command == 'unbind':
            resp = smpplib.smpp.make_pdu('unbind_resp', client=self.client)
            resp.sequence = pdu.sequence
            self.client.send_pdu(resp)
            self.client.state = consts.SMPP_CLIENT_STATE_OPEN
            self.peer_unbound = True
        elif command == 'unbind_resp':
            self.unbind_answered = True
        else:
            # alert_notification, data_sm, ... : not part of this peer's job.
            pass

    # -- deliver_sm ---------------------------------------------------------------------------

    def on_deliver_sm(self, pdu):
        esm_class = int(pdu.esm_class or 0)
        octets = pdu.short_message or b''
        if not octets and getattr(pdu, 'message_payload', None):
            octets = pdu.message_payload
        if esm_class & RECEIPT_MASK == RECEIPT_SMSC:
            self.on_receipt(pdu, octets)
        else:
            self.on_inbound(pdu, esm_class, octets)

    def on_receipt(self, pdu, octets):
        text = octets.decode('latin-1')
        fields = {}
        for token in text.replace('submit date', 'submit_date').replace('done date', 'done_date').split():
            key, sep, value = token.partition(':')
            if sep and key.lower() not in fields:
                fields[key.lower()] = value
        receipted = as_text(getattr(pdu, 'receipted_message_id', None))
        state = getattr(pdu, 'message_state', None)
        self.result['receipts'].append({
            'receiptedMessageId': receipted if receipted else fields.get('id'),
            'messageState': int(state) if state is not None else MESSAGE_STATES.get(fields.get('stat', '').upper()),
            'text': text,
            'sourceAddr': as_text(pdu.source_addr),
            'destinationAddr': as_text(pdu.destination_addr),
            'esmClass': int(pdu.esm_class or 0),
            'fromTlv': {'receiptedMessageId': bool(receipted), 'messageState': state is not None},
        })

    def on_inbound(self, pdu, esm_class, octets):
        coding = int(pdu.data_coding or 0)
        concat = None
        if esm_class & UDHI:
            _, concat, octets = parse_udh(octets)
        elif getattr(pdu, 'sar_msg_ref_num', None) is not None and getattr(pdu, 'sar_total_segments', None):
            concat = (int(pdu.sar_msg_ref_num), int(pdu.sar_total_segments), int(pdu.sar_segment_seqnum or 0))
        message = {'from': as_text(pdu.source_addr), 'to': as_text(pdu.destination_addr), 'dataCoding': coding}
        if concat is None or concat[1] <= 1:
            message['text'] = decode_user_data(octets, coding)
            message['parts'] = 1
            self.result['inbound'].append(message)
            return
        ref, total, seq = concat
        key = (message['from'], message['to'], ref, total)
        parts = self.partial_inbound.setdefault(key, {})
        parts[seq] = octets
        if len(parts) == total:
            del self.partial_inbound[key]
            joined = b''.join(parts[i] for i in sorted(parts))
            message['text'] = decode_user_data(joined, coding)
            message['parts'] = total
            self.result['inbound'].append(message)

    # -- the job ------------------------------------------------------------------------------

    def bind(self):
        kind = self.job.get('bind', 'transceiver')
        method = {'transceiver': self.client.bind_transceiver,
                  'transmitter': self.client.bind_transmitter,
                  'receiver': self.client.bind_receiver}[kind]
        params = {'system_id': self.job['systemId'], 'password': self.job['password']}
        if self.job.get('systemType'):
            params['system_type'] = self.job['systemType']
        try:
            resp = method(**params)
        except smpplib.exceptions.PDUError as exc:
            if len(exc.args) > 1:
                self.result['bindStatus'] = int(exc.args[1])
                return False
            raise ProtocolError('bind failed: %s' % exc)
        except smpplib.exceptions.ConnectionError:
            raise ProtocolError('no bind_%s_resp: connection closed or timed out' % kind)
        if resp.command != 'bind_%s_resp' % kind:
            raise ProtocolError('answered bind_%s with %s (status 0x%08x)' % (kind, resp.command, resp.status or 0))
        self.result['bindStatus'] = int(resp.status)
        self.result['bound'] = True
        self.result['bindSystemId'] = as_text(resp.system_id)
        return True

    def submit_all(self):
        concat = self.job.get('concat', 'udh')
        for message in self.job.get('messages', []):
            text = message['text']
            parts, coding, esm_class = split_text(text, concat)
            source, source_ton, source_npi = address(message.get('from', ''), 'source')
            dest, dest_ton, dest_npi = address(message['to'], 'destination')
            source_ton = message.get('sourceTon', source_ton)
            source_npi = message.get('sourceNpi', source_npi)
            dest_ton = message.get('destTon', dest_ton)
            dest_npi = message.get('destNpi', dest_npi)
            responses = []
            self.result['submits'].append({'text': text, 'parts': len(parts), 'dataCoding': coding,
                                           'esmClass': esm_class, 'responses': responses})
            sar_ref = random.randint(1, 0xFFFF)
            for index, part in enumerate(parts, start=1):
                params = dict(
                    source_addr_ton=source_ton, source_addr_npi=source_npi, source_addr=source,
                    dest_addr_ton=dest_ton, dest_addr_npi=dest_npi, destination_addr=dest,
                    short_message=part, data_coding=coding, esm_class=esm_class,
                    registered_delivery=(consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH
                                         if message.get('registeredDelivery') else 0),
                )
                if concat == 'sar' and len(parts) > 1:
                    params.update(sar_msg_ref_num=sar_ref, sar_total_segments=len(parts), sar_segment_seqnum=index)
                try:
                    pdu = self.client.send_message(**params)
                except smpplib.exceptions.ConnectionError:
                    raise ProtocolError('connection lost while sending submit_sm')
                self.pending[pdu.sequence] = responses
                # One submit_sm in flight at a time: wait for its answer (receipts and MO
                # messages arriving meanwhile are handled).
                while pdu.sequence in self.pending:
                    if self.peer_unbound:
                        return
                    if self.remaining() <= 0:
                        self.result['timedOut'] = True
                        return
                    self.read_one(min(self.remaining(), 1.0))

    def wait_for_receipts(self):
        expected = int(self.job.get('expectReceipts', 0))
        expected_inbound = int(self.job.get('expectInbound', 0))
        while ((len(self.result['receipts']) < expected or len(self.result['inbound']) < expected_inbound)
               and not self.peer_unbound):
            if self.remaining() <= 0:
                self.result['timedOut'] = True
                return
            self.read_one(min(self.remaining(), 1.0))
        # Anything already on the wire (late MO parts, extra receipts) is still answered.
        while not self.peer_unbound and self.read_one(0.05):
            pass

    def unbind(self):
        if self.peer_unbound or self.client.state == consts.SMPP_CLIENT_STATE_OPEN:
            return
        self.client.send_pdu(smpplib.smpp.make_pdu('unbind', client=self.client))
        until = time.time() + 5
        while not self.unbind_answered and not self.peer_unbound and time.time() < until:
            self.read_one(until - time.time())
        self.result['unbound'] = self.unbind_answered or self.peer_unbound

    def run(self):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            self.client = smpplib.client.Client(
                self.job.get('host', '127.0.0.1'), int(self.job['port']),
                timeout=float(self.job.get('socketTimeoutSeconds', 10)),
                allow_unknown_opt_params=bool(self.job.get('allowUnknownTlvs', True)),
            )
        self.client.set_message_received_handler(lambda pdu, **kwargs: consts.SMPP_ESME_ROK)
        try:
            try:
                self.client.connect()
            except smpplib.exceptions.ConnectionError as exc:
                raise ProtocolError('cannot connect to %s:%s: %s' % (self.client.host, self.client.port, exc))
            if self.bind():
                self.submit_all()
                self.wait_for_receipts()
                self.unbind()
            if self.partial_inbound:
                self.result['inboundIncomplete'] = len(self.partial_inbound)
            self.result['peerUnbound'] = self.peer_unbound
            return self.result
        finally:
            self.client.disconnect()


def read_job():
    raw = sys.stdin.read()
    try:
        job = json.loads(raw)
    except ValueError as exc:
        raise UsageError('stdin is not JSON: %s' % exc)
    if not isinstance(job, dict):
        raise UsageError('the job must be a JSON object')
    for field in ('port', 'systemId', 'password'):
        if field not in job:
            raise UsageError('%s is required' % field)
    if job.get('bind', 'transceiver') not in ('transceiver', 'transmitter', 'receiver'):
        raise UsageError('bind must be transceiver, transmitter or receiver')
    if job.get('concat', 'udh') not in ('udh', 'sar'):
        raise UsageError('concat must be udh or sar')
    messages = job.get('messages', [])
    if not isinstance(messages, list):
        raise UsageError('messages must be an array')
    if messages and job.get('bind') == 'receiver':
        raise UsageError('a receiver bind cannot submit messages')
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get('text'), str) or not isinstance(m.get('to'), str):
            raise UsageError('messages[%d] needs text and to' % i)
    return job


def main():
    try:
        job = read_job()
    except UsageError as exc:
        sys.stderr.write('smpplib_peer: %s\n' % exc)
        return EXIT_USAGE
    if job.get('debug'):
        # smpplib logs every PDU it sends and reads, in hex, at DEBUG.
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format='%(name)s %(levelname)s %(message)s')
    else:
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        result = Peer(job).run()
    except UsageError as exc:
        sys.stderr.write('smpplib_peer: %s\n' % exc)
        return EXIT_USAGE
    except ProtocolError as exc:
        sys.stderr.write('smpplib_peer: %s\n' % exc)
        return EXIT_PROTOCOL
    except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError,
            smpplib.exceptions.UnknownCommandError, socket.error, struct.error) as exc:
        sys.stderr.write('smpplib_peer: %s: %s\n' % (type(exc).__name__, exc))
        return EXIT_PROTOCOL
    except Exception as exc:  # smpplib failing on a PDU it cannot parse (KeyError, IndexError, ...)
        sys.stderr.write('smpplib_peer: %s: %s\n%s' % (type(exc).__name__, exc, traceback.format_exc()))
        return EXIT_PROTOCOL
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
