# reproduce.R: the tsunagari dashboard's subgroup table, recomputed with R's survey package.
@@HEADER@@#
# Run it inside the folder of the export (only the survey package is needed):
#
#     Rscript reproduce.R
#
# It reads analysis.csv, codebook.csv and margins.csv, rebuilds the design (strata, fpc = N_h,
# base weights N_h / n_h), calibrates the weights exactly as the dashboard did (the method is
# written below), checks that they equal the dashboard's final_weight, and writes
# reproduced.csv with the columns
#
#     indicator,by,level,n,estimate,se,ci_low,ci_high,total
#
# for every indicator, for everyone (by = "all") and in every group of every breakdown of the
# subgroup table: n = respondents with an answer, estimate = weighted proportion (svymean),
# se = its linearised standard error (calibration residuals included), ci = 95% logit interval
# (svyciprop, t on the domain's degrees of freedom; none when every answer in the group is
# the same: 0% or 100%), total = estimated residents (svytotal). The dashboard withholds
# cells with fewer than 10 respondents and the cells withheld with them; this script
# computes them too: do not publish those.
# Format of every file: docs/export.md in tsunagari.

suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")

## How the dashboard made its weights, written by tsunagari when it made this export:
## the method ("rake", "poststratify" or "none") and the columns of analysis.csv calibrated
## to margins.csv.
weighting <- "@@WEIGHTING@@"
calibration <- c(@@CALIBRATION@@)
rake_control <- list(maxit = @@MAXIT@@, epsilon = 1e-13)
## The language of the level labels: "ja" as the dashboard's CSV, or "en".
lang <- "ja"
indicators <- c(@@INDICATORS@@)
## Every breakdown of the subgroup table (its id) and its column in analysis.csv.
breakdowns <- c(
@@BREAKDOWNS@@
)

read <- function(file) {
  read.csv(file, fileEncoding = "UTF-8-BOM", colClasses = "character", na.strings = "",
           check.names = FALSE)
}
d <- read("analysis.csv")
for (v in c("fpc", "base_weight", "final_weight", paste0("ind_", indicators))) d[[v]] <- as.numeric(d[[v]])
codebook <- read("codebook.csv")
margins <- read("margins.csv")
margins$population <- as.numeric(margins$population)

design <- svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~base_weight, data = d)
margin <- function(v) {
  m <- margins[margins$margin == v, ]
  totals <- data.frame(m$level, m$population, stringsAsFactors = FALSE)
  names(totals) <- c(v, "Freq")
  totals
}
formula_of <- function(v) as.formula(paste0("~`", v, "`"))
if (weighting == "rake") {
  design <- rake(design, lapply(calibration, formula_of), lapply(calibration, margin),
                 control = rake_control)
} else if (weighting == "poststratify") {
  design <- postStratify(design, formula_of(calibration), margin(calibration))
}
@@TRIM@@gap <- max(abs(weights(design) / d$final_weight - 1))
if (gap > @@GAP@@) stop("the weights differ from the dashboard's final_weight (relative ", gap, ")")

num <- function(x) ifelse(is.na(x) | !is.finite(x), "", sprintf("%.17g", x))
cell <- function(dy, y, indicator, by, level, keep) {
  n <- sum(keep & !is.na(y))
  row <- data.frame(indicator = indicator, by = by, level = level, n = n, estimate = "",
                    se = "", ci_low = "", ci_high = "", total = "", stringsAsFactors = FALSE)
  if (n == 0) return(row)
  dom <- if (all(keep)) dy else dy[keep, ]   # the domain inside the design, missing answers kept
  m <- svymean(~yy, dom, na.rm = TRUE)
  t <- svytotal(~yy, dom, na.rm = TRUE)
  p <- coef(m)[[1]]
  ci <- c(NA, NA)
  # No logit interval when every answer in the group is the same (0% or 100%: glm does not
  # converge), as on the dashboard.
  if (length(unique(y[keep & !is.na(y)])) > 1) {
    # svyglm notes that the rows outside the domain (weight 0) are not used: as meant.
    fit <- suppressWarnings(svyciprop(~I(yy == 1), dom, method = "logit", na.rm = TRUE))
    ci <- as.numeric(attr(fit, "ci"))
  }
  row$estimate <- num(p); row$se <- num(SE(m)[[1]])
  row$ci_low <- num(ci[1]); row$ci_high <- num(ci[2]); row$total <- num(coef(t)[[1]])
  row
}
label_column <- paste0("label_", lang)
rows <- list()
for (indicator in indicators) {
  y <- d[[paste0("ind_", indicator)]]
  dy <- update(design, yy = y)
  rows[[length(rows) + 1]] <- cell(dy, y, indicator, "all", "all", rep(TRUE, nrow(d)))
  for (by in names(breakdowns)) {
    column <- breakdowns[[by]]
    levels <- codebook[codebook$variable == column & !is.na(codebook$code), ]
    g <- d[[column]]
    for (k in seq_len(nrow(levels))) {
      keep <- !is.na(g) & g == levels$code[k]
      rows[[length(rows) + 1]] <- cell(dy, y, indicator, by, levels[[label_column]][k], keep)
    }
  }
}
write.csv(do.call(rbind, rows), "reproduced.csv", row.names = FALSE, na = "",
          fileEncoding = "UTF-8")
cat("reproduced.csv:", length(rows), "rows\n")
