# Try to become root again.
import os

refused = []
for name, attempt in (("setuid(0)", lambda: os.setuid(0)), ("setgid(0)", lambda: os.setgid(0)),
                      ("chroot", lambda: os.chroot("/"))):
    try:
        attempt()
    except OSError as e:
        refused.append(f"{name}: {e.strerror}")
        continue
    print("ESCAPED:", name)
    raise SystemExit(0)
raise SystemExit("privileges not regained (" + "; ".join(refused) + ")")
