#!/usr/bin/python3
"""Writes the permessage-deflate fixtures for tst_permessagedeflate.

The compressed payloads come from a real peer: Debian's python3-websockets
(websockets.extensions.permessage_deflate.PerMessageDeflate, which strips the
0x00 0x00 0xff 0xff tail as RFC 7692 7.2.1 says), or, for the BFINAL case,
Python's zlib directly. Run it again after changing it:

    /usr/bin/python3 tests/data/deflate/make_fixtures.py

Each fixture is a JSON file:
    {"description": ..., "maxWindowBits": 8..15, "noContextTakeover": bool,
     "messages": [{"fragments": [base64, ...],   # payload of each frame
                   "plain": base64 | "plainQCompressed": base64}]}
"plainQCompressed" (for large messages) is Qt's qCompress format: a 4-byte
big-endian length, then a zlib stream; the test reads it with qUncompress.
"""

import base64
import json
import os
import random
import struct
import zlib

from websockets import frames
from websockets.extensions.permessage_deflate import PerMessageDeflate

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def sender(window_bits=15, no_context_takeover=False):
    # The local side compresses; the remote settings do not matter here.
    return PerMessageDeflate(
        remote_no_context_takeover=False,
        local_no_context_takeover=no_context_takeover,
        remote_max_window_bits=15,
        local_max_window_bits=window_bits,
    )


def encode(ext, plain, fragments=1, opcode=frames.OP_TEXT):
    """Encodes one message as `fragments` frames; returns their payloads."""
    size = -(-len(plain) // fragments) if plain else 0
    pieces = [plain[i * size:(i + 1) * size] for i in range(fragments)]
    out = []
    for i, piece in enumerate(pieces):
        frame = frames.Frame(opcode if i == 0 else frames.OP_CONT, piece, fin=(i == fragments - 1))
        encoded = ext.encode(frame)
        assert encoded.rsv1 == (i == 0)
        out.append(encoded.data)
    return out


def message(fragments, plain):
    entry = {"fragments": [b64(f) for f in fragments]}
    if len(plain) > 8192:
        entry["plainQCompressed"] = b64(struct.pack(">I", len(plain)) + zlib.compress(plain, 9))
    else:
        entry["plain"] = b64(plain)
    return entry


def needs_context(fragments, window_bits):
    """True when the message cannot be inflated on its own (it refers back)."""
    d = zlib.decompressobj(wbits=-window_bits)
    try:
        d.decompress(b"".join(fragments) + b"\x00\x00\xff\xff")
        return False
    except zlib.error:
        return True


def write(name, description, window_bits, no_context_takeover, messages):
    doc = {
        "description": description,
        "maxWindowBits": window_bits,
        "noContextTakeover": no_context_takeover,
        "messages": [message(f, p) for f, p in messages],
    }
    with open(os.path.join(HERE, name), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")


CHAT = [
    b'{"type":"chat","room":"lobby","user":"alice","text":"hello everyone"}',
    b'{"type":"chat","room":"lobby","user":"bob","text":"hello alice"}',
    b"",
    b'{"type":"chat","room":"lobby","user":"alice","text":"hello everyone, again"}',
    "{\"type\":\"chat\",\"room\":\"lobby\",\"user\":\"bob\",\"text\":\"\u4f60\u597d, alice\"}".encode(),
]


def takeover():
    ext = sender()
    msgs = [(encode(ext, p), p) for p in CHAT]
    assert needs_context(msgs[1][0], 15) and needs_context(msgs[3][0], 15)
    write("takeover.json", "websockets 10.4, context takeover, 15-bit window: five messages sharing one window",
          15, False, msgs)


def no_takeover():
    ext = sender(no_context_takeover=True)
    msgs = [(encode(ext, p), p) for p in CHAT]
    assert not any(needs_context(f, 15) for f, _ in msgs)
    write("no_takeover.json", "websockets 10.4, no_context_takeover: each message stands alone", 15, True, msgs)


def fragmented():
    ext = sender()
    first = b'{"event":"subscribe","channel":"ticker.BTC-USD"}'
    second = b"".join(b'{"channel":"ticker.BTC-USD","price":%d,"seq":%d}\n' % (60000 + i * 7, i) for i in range(40))
    third = b'{"event":"unsubscribe","channel":"ticker.BTC-USD"}'
    msgs = [(encode(ext, first), first), (encode(ext, second, fragments=3), second), (encode(ext, third), third)]
    assert len(msgs[1][0]) == 3 and needs_context(msgs[2][0], 15)
    write("fragmented.json", "websockets 10.4, context takeover; the second message is sent as three frames",
          15, False, msgs)


def capped():
    rng = random.Random(7692)
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    first = bytes(rng.choice(alphabet) for _ in range(6000))
    second = first[4000:4600] + b" <- quoted from the first message"
    ext = sender()
    msgs = [(encode(ext, first), first), (encode(ext, second), second)]
    # The second message is mostly a back-reference past a 1 KiB preview.
    assert needs_context(msgs[1][0], 15) and len(msgs[1][0][0]) < 100
    write("capped.json", "websockets 10.4, context takeover: 6000 random bytes, then a message that copies "
          "bytes 4000-4600 of the first (past a 1 KiB preview cap)", 15, False, msgs)


def window10():
    ext = sender(window_bits=10)
    rng = random.Random(10)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"epsilon", b"zeta", b"eta", b"theta"]
    msgs = []
    for _ in range(4):
        plain = b" ".join(rng.choice(words) + b"%d" % rng.randrange(100) for _ in range(400))
        msgs.append((encode(ext, plain), plain))
    write("window10.json", "websockets 10.4, client_max_window_bits=10 (1 KiB window), context takeover",
          10, False, msgs)


def bfinal():
    # RFC 7692 7.2.3.4: a sender may end a message with a BFINAL block; with
    # takeover it keeps its window by priming the next stream with it.
    first = b"The quick brown fox jumps over the lazy dog. " * 20
    second = b"The quick brown fox jumps over the lazy dog, twice. The lazy dog sleeps."
    c1 = zlib.compressobj(wbits=-15)
    p1 = c1.compress(first) + c1.flush(zlib.Z_FINISH)
    c2 = zlib.compressobj(wbits=-15, zdict=first)
    p2 = c2.compress(second) + c2.flush(zlib.Z_FINISH)
    assert needs_context([p2], 15)
    write("bfinal.json", "Python zlib, messages ending in a BFINAL block; the second refers back into the first",
          15, False, [([p1], first), ([p2], second)])


def large():
    ext = sender()
    first = b"".join(b"line %05d\n" % i for i in range(8000))  # 88000 bytes, past the 64 KiB preview
    second = first[-110:] + b"end"  # copies the last ten lines of the first
    msgs = [(encode(ext, first, fragments=4), first), (encode(ext, second), second)]
    assert needs_context(msgs[1][0], 15)
    write("large.json", "websockets 10.4, context takeover: an 88000-byte message in four frames, then one "
          "that copies its last ten lines (beyond the default 64 KiB preview)", 15, False, msgs)


def bomb():
    # 1 MiB of zeros in about a kilobyte: what the inflate limit is for.
    ext = sender()
    first = bytes(1 << 20)
    second = b"after the zeros"
    msgs = [(encode(ext, first), first), (encode(ext, second), second)]
    assert len(msgs[0][0][0]) < 2048
    write("bomb.json", "websockets 10.4, context takeover: 1 MiB of zeros (about 1000:1), then a short message",
          15, False, msgs)


if __name__ == "__main__":
    takeover()
    no_takeover()
    fragmented()
    capped()
    window10()
    bfinal()
    large()
    bomb()
