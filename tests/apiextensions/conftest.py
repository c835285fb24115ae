"""CustomResourceDefinition tests: the CronTab CRD of the Kubernetes documentation lives in crontab.py beside this file."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
