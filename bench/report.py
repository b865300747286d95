"""What every benchmark does last: its table printed and kept in bench/out/NAME.md."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def publish(name, lines):
    report = "\n".join(lines)
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", name + ".md"), "w") as f:
        f.write(report + "\n")
    print(report)
