"""How fast this machine takes a file's first write into the page cache.

Writes 400 MiB in 20 MiB writes to a new file, three times, deleting the file between
rounds, and prints each round's rate. On a VM whose host backs guest memory lazily, the
first round (fresh pages) can be far slower than the next ones (pages just freed):
large luban runs write gigabytes of new files, so this bounds their kernel time.

    python3 benches/pagecache.py [PATH]
"""
import os
import sys
import time

buf = os.urandom(20 << 20)
path = sys.argv[1] if len(sys.argv) > 1 else "pagecache.bin"
for rnd in range(3):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    start = time.perf_counter()
    for _ in range(20):
        os.write(fd, buf)
    secs = time.perf_counter() - start
    os.close(fd)
    os.unlink(path)
    print(f"round {rnd + 1}: {400 * 1.048576 / secs:.0f} MB/s")
