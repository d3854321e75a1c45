# Try to delete or move files outside the program's own directory.
import os
import shutil

refused = []
attempts = [
    ("remove canary", lambda: os.remove("@CANARY@")),
    ("rename canary", lambda: os.rename("@CANARY@", "@CANARY@.moved")),
    ("truncate canary", lambda: os.truncate("@CANARY@", 0)),
    ("rmtree canary dir", lambda: shutil.rmtree("@CANARY_DIR@")),
]
for name, attempt in attempts:
    try:
        attempt()
    except OSError as e:
        refused.append(f"{name}: {e.strerror}")
        continue
    print("ESCAPED:", name)
    raise SystemExit(0)
raise SystemExit("all deletions outside refused (" + "; ".join(refused) + ")")
