#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sector patterns for the write-back cache tests (virt_wcache).

Every 512-byte sector written by a test holds its own number and a
generation (1-9): "G:SSSSSSSSSSSSS\\n" 32 times, so a read shows which write
a sector holds, or that it holds zeros (generation 0) or anything else (x).

  wcache_sectors.py write DISK GEN FIRST COUNT [fsync] [step=N]
      O_DIRECT writes of sectors FIRST.. in pieces of up to 1 MiB; with
      fsync, an fsync of the device after them (a cache flush); with
      step=N, only every N-th sector, one write each.
  wcache_sectors.py data GEN FIRST COUNT
      the same bytes on stdout (data for sg_raw).
  wcache_sectors.py check DISK REST [FIRST:COUNT:GEN]...
      reads the whole disk; every sector must hold generation REST except
      where a spec says otherwise (later specs win). Prints the mismatches
      (at most 20 runs) and exits 1 when there is any.
  wcache_sectors.py count DISK FIRST COUNT GEN
      how many of those sectors hold generation GEN.
"""
import mmap
import os
import sys

SECTOR = 512
PIECE = 2048  # sectors per write or read (1 MiB)


def pattern(gen, first, count):
    return b''.join((b'%d:%013d\n' % (gen, s)) * 32 for s in range(first, first + count))


ZEROS = bytes(SECTOR)


def gen_of(data, sector):
    head = data[:16]
    if data == ZEROS:
        return '0'
    if head[1:2] != b':' or head[15:] != b'\n' or not head[2:15].isdigit():
        return 'x'
    g = head[:1]
    if not b'1' <= g <= b'9' or int(head[2:15]) != sector or data != head * 32:
        return 'x'
    return g.decode()


def read_gens(disk, first=0, count=None):
    """The generations of sectors first.. (count of them, or to the end)."""
    fd = os.open(disk, os.O_RDONLY | os.O_DIRECT)
    end = os.lseek(fd, 0, os.SEEK_END) // SECTOR
    if count is not None:
        end = min(end, first + count)
    buf = mmap.mmap(-1, PIECE * SECTOR)
    gens = []
    for at in range(first, end, PIECE):
        n = os.preadv(fd, [buf], at * SECTOR) // SECTOR
        n = min(n, end - at)
        gens += [gen_of(buf[i * SECTOR:(i + 1) * SECTOR], at + i) for i in range(n)]
    os.close(fd)
    return gens


def main(argv):
    cmd = argv[1]
    if cmd == 'write':
        disk, gen, first, count = argv[2], int(argv[3]), int(argv[4]), int(argv[5])
        opts = argv[6:]
        step = int(next((o[5:] for o in opts if o.startswith('step=')), 1))
        piece = PIECE if step == 1 else 1
        fd = os.open(disk, os.O_WRONLY | os.O_DIRECT)
        buf = mmap.mmap(-1, PIECE * SECTOR)
        for at in range(first, first + count, piece * step):
            n = min(piece, first + count - at)
            buf[:n * SECTOR] = pattern(gen, at, n)
            os.pwritev(fd, [memoryview(buf)[:n * SECTOR]], at * SECTOR)
        if 'fsync' in opts:
            os.fsync(fd)
        os.close(fd)
    elif cmd == 'data':
        sys.stdout.buffer.write(pattern(int(argv[2]), int(argv[3]), int(argv[4])))
    elif cmd == 'check':
        gens = read_gens(argv[2])
        want = [argv[3]] * len(gens)
        for spec in argv[4:]:
            first, count, gen = spec.split(':')
            first, count = int(first), int(count)
            want[first:first + count] = [gen] * count
        bad = [i for i, (w, g) in enumerate(zip(want, gens)) if w != g]
        runs = []
        for i in bad:
            if runs and runs[-1][1] == i - 1 and (want[i], gens[i]) == runs[-1][2]:
                runs[-1][1] = i
            else:
                runs.append([i, i, (want[i], gens[i])])
        for first, last, (w, g) in runs[:20]:
            print(f'sectors {first}-{last}: generation {g}, expected {w}')
        print(f'{len(bad)} of {len(gens)} sectors differ')
        return 1 if bad else 0
    elif cmd == 'count':
        gens = read_gens(argv[2], int(argv[3]), int(argv[4]))
        print(gens.count(argv[5]))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
