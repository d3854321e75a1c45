# Leave a process behind in a session of its own, outside the sandbox's process group.
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)
    os._exit(0)
time.sleep(0.2)
raise SystemExit("left a daemon behind")
