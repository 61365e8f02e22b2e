# An ordinary Python program: standard library imports, a little work, output.
import collections
import json
import sys

counts = collections.Counter("mini-isolate")
print("python ok", json.dumps(sorted(counts.items())[:2]), sys.version_info[0])
