# Look for a secret from the harness's environment: our own environment, then every readable
# /proc/*/environ (the harness's among them).
import os

name = "@SECRET_NAME@"
if name in os.environ:
    print("ESCAPED: secret in os.environ")
    raise SystemExit(0)
checked = unreadable = 0
for pid in [p for p in os.listdir("/proc") if p.isdigit()] + ["@HARNESS_PID@"]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read()
    except OSError:
        unreadable += 1
        continue
    checked += 1
    if (name + "=").encode() in env:
        print("ESCAPED: secret in /proc/%s/environ" % pid)
        raise SystemExit(0)
raise SystemExit(f"secret not visible ({checked} environments read, {unreadable} unreadable)")
