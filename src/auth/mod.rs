//! Accounts, password hashing, sessions, roles and CSRF tokens.
