# Try to change files outside the program's own directory.
import os

refused = []
attempts = [
    ("overwrite canary", lambda: open("@CANARY@", "w").write("pwned")),
    ("append to canary", lambda: open("@CANARY@", "a").write("pwned")),
    ("new file next to canary", lambda: open(os.path.join("@CANARY_DIR@", "pwned.txt"), "w").write("pwned")),
    ("new file in host tmp", lambda: open("@OUTSIDE_FILE@", "w").write("pwned")),
    ("new file in /dev/shm", lambda: open("/dev/shm/engram-he-pwned", "w").write("pwned")),
    ("new file in /var/tmp", lambda: open("/var/tmp/engram-he-pwned", "w").write("pwned")),
    ("chmod canary", lambda: os.chmod("@CANARY@", 0o777)),
    ("symlink out of the sandbox then write", lambda: (os.symlink("@CANARY@", "link"), open("link", "w").write("pwned"))),
]
for name, attempt in attempts:
    try:
        attempt()
    except OSError as e:
        refused.append(f"{name}: {e.strerror}")
        continue
    print("ESCAPED:", name)
    raise SystemExit(0)
raise SystemExit("all writes outside refused (" + "; ".join(refused) + ")")
