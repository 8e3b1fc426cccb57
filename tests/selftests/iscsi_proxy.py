#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP proxy between the initiator and the test target, for faults the
target itself cannot make: stopped with SIGSTOP it keeps the connection
open and passes nothing (a target that stops answering); when the file
FLIP exists it flips one bit of the next data from the target (a
corrupted PDU, which the digests must catch) and removes FLIP.

usage: iscsi_proxy.py LISTEN_PORT TARGET_PORT FLIP  (127.0.0.1 both sides)
"""
import os
import socket
import sys
import threading


def claim(flip):
    """Takes the flip request: true once per request."""
    try:
        os.unlink(flip)
        return True
    except FileNotFoundError:
        return False


def pump(src, dst, flip):
    """Copies src to dst until either side ends, then ends both."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if flip and claim(flip):
                data = bytes([data[0] ^ 0x10]) + data[1:]
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    listen_port, target_port, flip = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
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
        threading.Thread(target=pump, args=(target, client, flip), daemon=True).start()


if __name__ == "__main__":
    main()
