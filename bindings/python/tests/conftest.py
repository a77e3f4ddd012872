import os
import sys

# Use the library built in this checkout unless GENTRAIN_LIBRARY says otherwise.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
if "GENTRAIN_LIBRARY" not in os.environ:
    for built in (os.path.join(ROOT, "build", "libgentrain.so.0"), os.path.join(ROOT, ".build", "release", "libgentrain.so")):
        if os.path.exists(built):
            os.environ["GENTRAIN_LIBRARY"] = built
            break
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
