"""``python -m tests.security.hostile DIR``: write the hostile-file corpus for manual probing."""

import sys

from tests.security.hostile import write

if __name__ == "__main__":
    for path in write(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"):
        print(path)
