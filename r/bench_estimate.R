# The estimation benchmark's job in R's survey package, for the side-by-side timing in
# BENCHMARKS.md. Generate the data first with
#     cargo run --release --example bench_estimate
# then run from the repository root:
#     Rscript r/bench_estimate.R target/bench-estimate/survey_800000.csv
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
file <- if (length(args)) args[1] else "target/bench-estimate/survey_800000.csv"
dir <- dirname(file)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(file)
t_read <- proc.time()[["elapsed"]]
des <- svydesign(id = ~1, strata = ~stratum, weights = ~w, fpc = ~N_h, data = d)
sexage <- read.csv(file.path(dir, "totals_sexage.csv")); names(sexage)[2] <- "Freq"
district <- read.csv(file.path(dir, "totals_district.csv")); names(district)[2] <- "Freq"
raked <- rake(des, list(~sexage, ~district), list(sexage, district))
t_rake <- proc.time()[["elapsed"]]
tables <- lapply(c("district", "ageband", "sex", "sexage", "household", "employment", "health"), function(b)
  svyby(~lonely, as.formula(paste("~", b)), raked, svymean, na.rm = TRUE, vartype = c("se", "ci")))
t_tables <- proc.time()[["elapsed"]]
cat(sprintf("read %.1f s, design + rake %.1f s, 7 tables %.1f s, total %.1f s\n",
            t_read - t0, t_rake - t_read, t_tables - t_rake, t_tables - t0))
print(tables[[2]])
