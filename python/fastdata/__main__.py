"""`python -m fastdata ...` and the `fastdata` console script: the CLI the package carries
(fastdata/bin/fastdata), run with these arguments in place of this process."""
import os
import sys


def main():
    cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "fastdata")
    if not os.access(cli, os.X_OK):
        sys.exit("fastdata: the package has no CLI at %s (built without it?)" % cli)
    os.execv(cli, [cli] + sys.argv[1:])


if __name__ == "__main__":
    main()
