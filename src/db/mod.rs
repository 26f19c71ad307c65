//! Storage: diesel over SQLite (default) or PostgreSQL; schema, rows and every query.
