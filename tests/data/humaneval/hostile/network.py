# Try to reach the test's listener on the host's loopback, and the outside world.
import socket

refused = []
for host, port in (("127.0.0.1", @PORT@), ("1.1.1.1", 53)):
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"pwned")
    except OSError as e:
        refused.append(f"{host}:{port}: {e}")
        continue
    print("ESCAPED: connected to", host, port)
    raise SystemExit(0)
raise SystemExit("no connection (" + "; ".join(refused) + ")")
