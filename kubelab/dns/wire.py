"""DNS messages as they travel on the wire (RFC 1035), for the cluster DNS server and its clients.

    header     id, flags (QR opcode AA TC RD RA · RCODE), four counts
    question   QNAME (length-prefixed labels) QTYPE QCLASS
    answer, authority, additional: resource records NAME TYPE CLASS TTL RDLENGTH RDATA

What it models: exactly the part CoreDNS and a stub resolver need for a cluster — A, CNAME,
SRV, SOA (and NS, PTR, AAAA types by number), name compression when reading (and one pointer to
the question's name when writing an answer for it), and the 2-byte length prefix of DNS over
TCP. Over UDP a reply longer than 512 bytes is cut and marked TC, telling the client to ask
again over TCP, as RFC 1035 says.

Invariant: `decode(encode(message)) == message` for every message this module builds; a packet
it cannot read raises `FormatError` (the server answers FORMERR), never anything else.

Left out: EDNS(0) (OPT records are skipped, so the 512-byte UDP limit holds), DNSSEC, and every
record type beyond those named above (they travel as opaque bytes).
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41,
         "ANY": 255}
TYPE_NAMES = {number: name for name, number in TYPES.items()}
CLASS_IN = 1
# Response codes (RCODE), by the names dig prints
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
RCODE_NAMES = {NOERROR: "NOERROR", FORMERR: "FORMERR", SERVFAIL: "SERVFAIL", NXDOMAIN: "NXDOMAIN",
               NOTIMP: "NOTIMP", REFUSED: "REFUSED"}
UDP_LIMIT = 512


class FormatError(ValueError):
    """A packet that is not a DNS message (the server's FORMERR)."""


@dataclass(frozen=True)
class Record:
    """One resource record; `data` in presentation form ("10.96.0.10", "0 100 80 web.default.svc…")."""
    name: str          # without the final "."
    type: str
    data: str
    ttl: int = 30


@dataclass
class Message:
    id: int
    qname: str = ""
    qtype: str = "A"
    response: bool = False
    rcode: int = NOERROR
    authoritative: bool = False
    recursion_desired: bool = True
    recursion_available: bool = False
    truncated: bool = False
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)


def query(id: int, qname: str, qtype: str = "A") -> Message:
    """A stub resolver's question."""
    return Message(id, qname.rstrip(".").lower(), qtype.upper())


def _name(name: str) -> bytes:
    out = b""
    for label in [part for part in name.rstrip(".").split(".") if part]:
        raw = label.encode("idna") if not label.isascii() else label.encode()
        if len(raw) > 63:
            raise FormatError(f"label {label[:20]!r}… is longer than 63 bytes")
        out += bytes([len(raw)]) + raw
    if len(out) + 1 > 255:
        raise FormatError(f"name {name[:40]!r}… is longer than 255 bytes")
    return out + b"\x00"


def _rdata(record: Record) -> bytes:
    kind, data = record.type, record.data
    if kind == "A":
        return ipaddress.IPv4Address(data).packed
    if kind == "AAAA":
        return ipaddress.IPv6Address(data).packed
    if kind in ("CNAME", "NS", "PTR"):
        return _name(data)
    if kind == "SRV":
        priority, weight, port, target = data.split()
        return struct.pack("!HHH", int(priority), int(weight), int(port)) + _name(target)
    if kind == "SOA":
        mname, rname, *numbers = data.split()
        return _name(mname) + _name(rname) + struct.pack("!IIIII", *map(int, numbers))
    if kind == "TXT":
        raw = data.encode()[:255]
        return bytes([len(raw)]) + raw
    raise FormatError(f"cannot encode a {kind} record")


def _record(record: Record, question: str, question_offset: int) -> bytes:
    # An answer for the question's own name points back to it (compression, RFC 1035 §4.1.4).
    name = struct.pack("!H", 0xC000 | question_offset) if record.name == question else _name(record.name)
    rdata = _rdata(record)
    return name + struct.pack("!HHIH", TYPES[record.type], CLASS_IN, record.ttl, len(rdata)) + rdata


def encode(message: Message, limit: int | None = None) -> bytes:
    """The packet; with `limit` (UDP's 512), records that do not fit are dropped and TC is set."""
    flags = ((0x8000 if message.response else 0) | (0x0400 if message.authoritative else 0) |
             (0x0100 if message.recursion_desired else 0) | (0x0080 if message.recursion_available else 0) |
             (message.rcode & 0xF))
    question = _name(message.qname) + struct.pack("!HH", TYPES.get(message.qtype, 0), CLASS_IN)
    sections = [[_record(r, message.qname, 12) for r in part]
                for part in (message.answers, message.authority, message.additional)]
    truncated = message.truncated
    if limit is not None:
        room = limit - 12 - len(question)
        kept = []
        for part in sections:
            fitting = []
            for raw in part:
                if len(raw) > room:
                    truncated = True
                    break
                room -= len(raw)
                fitting.append(raw)
            kept.append(fitting)
            if truncated:
                kept += [[] for _ in range(3 - len(kept))]
                break
        sections = kept
    flags |= 0x0200 if truncated else 0
    header = struct.pack("!HHHHHH", message.id, flags, 1, *(len(part) for part in sections))
    return header + question + b"".join(raw for part in sections for raw in part)


def _read_name(packet: bytes, offset: int) -> tuple[str, int]:
    labels, jumps, end = [], 0, None
    while True:
        if offset >= len(packet):
            raise FormatError("name runs past the end of the packet")
        length = packet[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(packet) or jumps > 20:
                raise FormatError("bad compression pointer")
            end = offset + 2 if end is None else end
            offset, jumps = ((length & 0x3F) << 8) | packet[offset + 1], jumps + 1
            continue
        if length & 0xC0:
            raise FormatError("unknown label type")
        offset += 1
        if length == 0:
            return ".".join(labels).lower(), end if end is not None else offset
        labels.append(packet[offset:offset + length].decode("ascii", errors="replace"))
        offset += length


def _read_rdata(packet: bytes, kind: str, offset: int, length: int) -> str:
    raw = packet[offset:offset + length]
    if kind == "A" and length == 4:
        return str(ipaddress.IPv4Address(raw))
    if kind == "AAAA" and length == 16:
        return str(ipaddress.IPv6Address(raw))
    if kind in ("CNAME", "NS", "PTR"):
        return _read_name(packet, offset)[0]
    if kind == "SRV" and length >= 7:
        priority, weight, port = struct.unpack("!HHH", raw[:6])
        return f"{priority} {weight} {port} {_read_name(packet, offset + 6)[0]}"
    if kind == "SOA":
        mname, at = _read_name(packet, offset)
        rname, at = _read_name(packet, at)
        return " ".join([mname, rname, *map(str, struct.unpack("!IIIII", packet[at:at + 20]))])
    if kind == "TXT" and raw:
        return raw[1:1 + raw[0]].decode(errors="replace")
    return raw.hex()


def decode(packet: bytes) -> Message:
    """Read a packet (a question or a reply); FormatError when it is not one."""
    if len(packet) < 12:
        raise FormatError("shorter than a DNS header")
    try:
        ident, flags, qdcount, ancount, nscount, arcount = struct.unpack("!HHHHHH", packet[:12])
        if flags & 0x7800:
            raise FormatError(f"opcode {(flags >> 11) & 0xF} (only QUERY)")
        if qdcount != 1:
            raise FormatError(f"{qdcount} questions (one is the only number servers accept)")
        qname, offset = _read_name(packet, 12)
        qtype, _ = struct.unpack("!HH", packet[offset:offset + 4])
        offset += 4
        message = Message(ident, qname, TYPE_NAMES.get(qtype, str(qtype)), response=bool(flags & 0x8000),
                          rcode=flags & 0xF, authoritative=bool(flags & 0x0400),
                          recursion_desired=bool(flags & 0x0100), recursion_available=bool(flags & 0x0080),
                          truncated=bool(flags & 0x0200))
        for count, part in ((ancount, message.answers), (nscount, message.authority),
                            (arcount, message.additional)):
            for _ in range(count):
                name, offset = _read_name(packet, offset)
                kind, _, ttl, length = struct.unpack("!HHIH", packet[offset:offset + 10])
                offset += 10
                if offset + length > len(packet):
                    raise FormatError("record data runs past the end of the packet")
                if kind != TYPES["OPT"]:   # EDNS(0): not modelled, skipped
                    type_name = TYPE_NAMES.get(kind, str(kind))
                    part.append(Record(name, type_name, _read_rdata(packet, type_name, offset, length), ttl))
                offset += length
        return message
    except struct.error as error:
        raise FormatError(f"truncated packet ({error})") from None


def frame(packet: bytes) -> bytes:
    """DNS over TCP: each message behind its 2-byte length."""
    return struct.pack("!H", len(packet)) + packet
