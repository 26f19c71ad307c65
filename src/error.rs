//! Application errors and the one place that maps them to HTTP responses.
