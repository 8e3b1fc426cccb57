#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP proxy between the initiator and the test target, for faults the
target itself cannot make: stopped with SIGSTOP it keeps the connection
open and passes nothing (a target that stops answering); when the file
FLIP exists it flips one bit of the next data from the target (a
corrupted PDU, which the digests must catch) and removes FLIP; when the
file INJECT exists (hex digits) it sends those bytes to the initiator
between two of the target's PDUs and removes INJECT: a hostile target's
PDU. Finding PDU boundaries assumes no digests.

usage: iscsi_proxy.py LISTEN_PORT TARGET_PORT FLIP [INJECT]  (127.0.0.1 both sides)
"""
import os
import select
import socket
import sys
import threading

BHS_LEN = 48
# Marks a PDU boundary in what Framer.split returns.
BOUNDARY = None


def claim(path):
    """Takes a request file: its content once per request, else None."""
    try:
        with open(path, "rb") as f:
            content = f.read()
        os.unlink(path)
        return content
    except (FileNotFoundError, TypeError):
        return None


class Framer:
    """Follows PDU boundaries in one direction of a connection (RFC 7143
    framing: BHS, AHS, data segment padded to 4 bytes; no digests)."""

    def __init__(self):
        self.hdr = b""
        self.left = 0

    def at_boundary(self):
        return self.left == 0 and not self.hdr

    def split(self, data):
        """The pieces of data, with BOUNDARY after each PDU's end."""
        out = []
        while data:
            if self.left == 0:
                take = data[: BHS_LEN - len(self.hdr)]
                self.hdr += take
                data = data[len(take):]
                out.append(take)
                if len(self.hdr) == BHS_LEN:
                    ahs = self.hdr[4] * 4
                    dlen = int.from_bytes(self.hdr[5:8], "big")
                    self.left = ahs + ((dlen + 3) & ~3)
                    self.hdr = b""
                    if self.left == 0:
                        out.append(BOUNDARY)
            else:
                take = data[: self.left]
                self.left -= len(take)
                data = data[len(take):]
                out.append(take)
                if self.left == 0:
                    out.append(BOUNDARY)
        return out


def shut(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump(src, dst, flip):
    """Copies initiator to target until either side ends, then ends both."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if flip and claim(flip) is not None:
                data = bytes([data[0] ^ 0x10]) + data[1:]
            dst.sendall(data)
    except OSError:
        pass
    shut(src, dst)


def pump_target(src, dst, flip, inject):
    """Copies target to initiator, flipping a bit or injecting a PDU
    between two of the target's when asked."""
    framer = Framer()

    def maybe_inject():
        pdu = claim(inject)
        if pdu is not None:
            dst.sendall(bytes.fromhex(pdu.decode()))

    try:
        while True:
            # Waits with select, not a socket timeout: that would also
            # apply to the other thread's sends on this socket.
            readable, _, _ = select.select([src], [], [], 0.1)
            if not readable:
                if framer.at_boundary():
                    maybe_inject()
                continue
            data = src.recv(65536)
            if not data:
                break
            if flip and claim(flip) is not None:
                data = bytes([data[0] ^ 0x10]) + data[1:]
            for piece in framer.split(data):
                if piece is BOUNDARY:
                    maybe_inject()
                else:
                    dst.sendall(piece)
    except OSError:
        pass
    shut(src, dst)


def main():
    listen_port, target_port, flip = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    inject = sys.argv[4] if len(sys.argv) > 4 else None
    server = socket.create_server(("127.0.0.1", listen_port))
    while True:
        client, _ = server.accept()
        try:
            target = socket.create_connection(("127.0.0.1", target_port))
        except OSError:
            client.close()
            continue
        for s in (client, target):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump, args=(client, target, None), daemon=True).start()
        threading.Thread(target=pump_target, args=(target, client, flip, inject), daemon=True).start()


if __name__ == "__main__":
    main()
