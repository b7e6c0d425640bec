"""Run a command in a real pseudo-terminal and answer its prompts (expect/send), for tests of
TTY behaviour: inquirer prompts, spinners and progress bars. Node has no pty module without a
native addon; Python's standard library has one.

argv[1]: JSON {"argv": [...], "env": {...}, "steps": [{"expect": regex, "send": text}], "timeout": s}
prints:  JSON {"status": exit code or -signal, "output": everything the terminal showed}
"""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
deadline = time.time() + spec.get("timeout", 30)
output = b""
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def pump(seconds):
    global output
    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    output += data
    return True


seen = 0
for step in spec.get("steps", []):
    pattern = re.compile(step["expect"].encode())
    while True:
        clean = ansi.sub(b"", output)
        match = pattern.search(clean, seen)
        if match:
            seen = match.end()
            break
        if time.time() > deadline or not pump(0.05):
            print(json.dumps({"status": None, "output": ansi.sub(b"", output).decode("utf8", "replace"), "missing": step["expect"]}))
            os.kill(pid, signal.SIGKILL)
            sys.exit(0)
    if "signal" in step:
        os.kill(pid, getattr(signal, step["signal"]))
    else:
        os.write(fd, step["send"].encode())

while time.time() < deadline and pump(0.1):
    pass
try:
    _, status = os.waitpid(pid, os.WNOHANG if time.time() > deadline else 0)
except ChildProcessError:
    status = 0
if time.time() > deadline:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"status": code, "output": ansi.sub(b"", output).decode("utf8", "replace")}))
