import gc
import sys

# no collection while the modules load (they allocate much and free little); `sandbox serve` turns
# it on once the app is built (Collector.start)
gc.disable()

from sandbox.cli import main  # noqa: E402

sys.exit(main())
