"""microindex's tests. Hypothesis runs with no per-example deadline and without the "too slow"
health check: these machines are shared, and a busy neighbour must not fail a property test
(speed is the benchmarks' business, never the tests')."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-machine")
