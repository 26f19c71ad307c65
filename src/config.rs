//! Settings from the environment (TSUNAGARI_*, DATABASE_URL) with offline defaults.
