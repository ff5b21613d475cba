from .qcluster import migrated_db, sandbox  # noqa: F401  (the real qcluster's fixtures)
