#!/bin/sh
# Makes the fixture of the analysis file (tests/fixtures/export/) and its real R run:
#
#     sh r/export_fixture.sh
#
# 1. tests/export.rs, with TSUNAGARI_WRITE_EXPORT_FIXTURE set, exports its deterministic
#    survey (the planner tests' draw with seed 11, answers from tests/common/planner_data.rs,
#    respondents in the order of a fixed seed) into tests/fixtures/export/: analysis.csv,
#    codebook.csv, margins.csv, reproduce.R. (The test then fails on reproduced.csv if the
#    numbers changed: step 2 makes it anew.)
# 2. Rscript reproduce.R runs there (R's survey package 4.1) and writes reproduced.csv.
#
# Commit all five files. The tests compare the export with them and the dashboard with
# reproduced.csv; they never need R.
set -eu
cd "$(dirname "$0")/.."
TSUNAGARI_WRITE_EXPORT_FIXTURE=1 cargo test --test export \
    the_dashboard_equals_the_committed_r_run_and_the_export_equals_the_fixture || true
cd tests/fixtures/export
Rscript reproduce.R
cd - >/dev/null
cargo test --test export
