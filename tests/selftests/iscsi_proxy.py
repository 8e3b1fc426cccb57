#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP proxy between the initiator and the test target, for faults the
target itself cannot make: stopped with SIGSTOP it keeps the connection
open and passes nothing (a target that stops answering); while the file
FLIP exists it flips one bit of the next byte from the target (a
corrupted PDU, which the digests must catch) and removes FLIP.

usage: iscsi_proxy.py LISTEN_PORT TARGET_PORT FLIP  (127.0.0.1 both sides)
"""
import os
import selectors
import socket
import sys


def main():
    listen_port, target_port, flip = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.create_server(("127.0.0.1", listen_port), reuse_port=True)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    peer = {}
    from_target = set()
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is server:
                client, _ = server.accept()
                target = socket.create_connection(("127.0.0.1", target_port))
                for a, b in ((client, target), (target, client)):
                    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    peer[a] = b
                    sel.register(a, selectors.EVENT_READ)
                from_target.add(target)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                for x in (s, peer[s]):
                    sel.unregister(x)
                    x.close()
                    from_target.discard(x)
                    peer.pop(x, None)
                continue
            if s in from_target and os.path.exists(flip):
                os.unlink(flip)
                data = bytes([data[0] ^ 0x10]) + data[1:]
            peer[s].sendall(data)


if __name__ == "__main__":
    main()
