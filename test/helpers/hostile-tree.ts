/**
 * A shell step that builds, in the current directory, what a hostile job leaves for the wipe:
 * `deep`, 1,500 directories deep (built through directory fds: mkdir by path at that depth costs
 * minutes of path walks), with a fifo, a unix socket and a 000-mode, backdated file at the bottom, a
 * 000-mode directory near the top, and a backdated top. Fails (&&) if any part could not be made, so
 * a test using it cannot pass on a tree that was never there.
 */
export const HOSTILE_TREE_STEP = `mkdir deep && python3 -c '
import os, socket
fd = os.open("deep", os.O_RDONLY)
for i in range(1500):
    os.mkdir("d", dir_fd=fd)
    n = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = n
os.mkfifo("fifo", dir_fd=fd)
os.fchdir(fd)
socket.socket(socket.AF_UNIX).bind("sock")
open("f", "w").write("x")
os.chmod("f", 0)
os.utime("f", (946684800, 946684800))
' && chmod 000 deep/d/d/d && touch -h -d 2000-01-01 deep`;
