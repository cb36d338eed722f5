"""The floor for Keyway's views: production settings (same middleware, same server), a URL
configuration with one JSON view and nothing else."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
