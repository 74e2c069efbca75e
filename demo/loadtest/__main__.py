import sys

from demo.loadtest.runner import main

sys.exit(main())
