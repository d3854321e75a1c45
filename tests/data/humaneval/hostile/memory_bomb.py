# Allocate and touch memory without end.
blocks = []
while True:
    blocks.append(b"x" * (64 << 20))
