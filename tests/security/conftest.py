from tests.deploy.seaweed import seaweedfs, storage_backend  # noqa: F401 — shared fixtures
