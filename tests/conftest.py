"""Hypothesis profiles: `ci` (default for make test: derandomized, no deadline),
`dev` (quick), `thorough` (many more examples).  Pick one with HYPOTHESIS_PROFILE."""
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("mutation", derandomize=True, deadline=None, max_examples=15,  # make mutation:
                          phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
