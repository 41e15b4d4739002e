"""Runs the debug `riserbo serve` for the scripts that call it (README examples, gRPC-Web)."""
import contextlib
import os
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "riserbo")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def riserbo_serve(*args):
    """Builds the binary, serves on a free port with a throw-away decision log directory, yields
    the port once it accepts connections, and stops the server afterwards."""
    subprocess.run(["cargo", "build", "--quiet", "--locked"], cwd=ROOT, check=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = subprocess.Popen([BINARY, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, *args],
                                  stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise SystemExit("server did not start")
                    time.sleep(0.05)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)
