#!/bin/sh
# Makes the fixtures of the analysis file and their real R runs:
#
#     sh r/export_fixture.sh
#
# tests/fixtures/export/                 the planner tests' survey (tests/common/planner_data.rs:
#                                        3,000 on the register, district strata, draw seed 11),
#                                        every sixth sampled person not answering, the others with
#                                        the demo's answers (tsunagari::cli::demo::synthetic_answers,
#                                        seed 2026); weights raked
# tests/fixtures/export/poststratified/  240 respondents in three districts, a fourth district on
#                                        the register without respondents: post-stratified by age
# tests/fixtures/export/base_weights/    the same without register totals: base weights only
# tests/fixtures/export/chosen/          the same with the full register and a published
#                                        weighting: raking to sex × age band (sparse cells
#                                        merged), district and sex, weights trimmed
#
# 1. tests/export.rs, with TSUNAGARI_WRITE_EXPORT_FIXTURE set, exports each (respondents in the
#    order of a fixed seed) into its folder: analysis.csv, codebook.csv, margins.csv, reproduce.R.
#    (The tests then fail on reproduced.csv if the numbers moved: step 2 makes it anew.)
# 2. Rscript reproduce.R runs in each folder (R's survey package 4.1) and writes reproduced.csv.
# 3. The tests run again, now against the new files.
#
# Commit the five files of every folder. The tests compare the exports with them and the
# dashboard with reproduced.csv; they never need R.
set -eu
cd "$(dirname "$0")/.."
TSUNAGARI_WRITE_EXPORT_FIXTURE=1 cargo test --test export -- \
    the_dashboard_equals_the_committed_r_run_and_the_export_equals_the_fixture \
    the_fallback_weightings_are_reproduced_as_the_dashboard_made_them \
    a_published_weighting_is_reproduced_as_the_dashboard_made_it || true
for dir in tests/fixtures/export tests/fixtures/export/poststratified tests/fixtures/export/base_weights tests/fixtures/export/chosen; do
    (cd "$dir" && Rscript reproduce.R)
done
cargo test --test export
