# Reference values for tsunagari's estimation engine (src/estimate), computed with R's
# survey package. Run from the repository root:
#
#     Rscript r/estimate_fixtures.R
#
# It writes input data, calibration totals and expected results to tests/fixtures/estimate/.
# The Rust tests compare against these committed files and never need R.
#
# Conventions shared with the Rust side:
# * An outcome "COL" is a 0/1 column; "COL=VALUE" is the indicator of COL == VALUE.
#   An empty cell is missing. Every estimate is computed on the domain of non-missing
#   answers inside the full design: design[domain & !is.na(y), ] (svymean(na.rm = TRUE)).
# * Confidence intervals and degrees of freedom are what a planner gets in R from the
#   domain's design with the missing answers still in it:
#   svyciprop(~I(y == 1), subset(design, domain), method = ..., na.rm = TRUE), whose df is
#   degf(subset(design, domain)) -- PSUs minus strata of the domain, counting respondents
#   whose answer is missing (and whose Korn-Graubard factor uses nrow() of that subset).
# * Raking is run to full convergence (epsilon 1e-13 relative, up to 500 sweeps), so that
#   the weights are the raking solution itself rather than an early stop.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
out <- "tests/fixtures/estimate"
dir.create(out, recursive = TRUE, showWarnings = FALSE)
num <- function(x) { x <- as.numeric(x); ifelse(is.na(x) | !is.finite(x), "NA", sprintf("%.17g", x)) }
rake_control <- list(maxit = 500, epsilon = 1e-13)

write_data <- function(df, name) {
  write.csv(df, file.path(out, name), row.names = FALSE, na = "", quote = FALSE)
}
write_totals <- function(levels, totals, var, name) {
  df <- data.frame(levels, totals)
  names(df) <- c(var, "total")
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

indicator <- function(df, spec) {
  parts <- strsplit(spec, "=", fixed = TRUE)[[1]]
  col <- df[[parts[1]]]
  if (length(parts) == 1) return(as.numeric(col))
  col <- as.character(col)
  ifelse(is.na(col) | col == "", NA, as.numeric(col == parts[2]))
}

ci_of <- function(dom, method, level) {
  r <- tryCatch(suppressWarnings(attr(svyciprop(~I(yy == 1), dom, method = method, level = level,
                                                na.rm = TRUE), "ci")),
                error = function(e) c(NA, NA))
  as.numeric(r)
}

# One row per (by, level, outcome): the domain estimate inside the full design.
estimate_rows <- function(des, df, outcomes, bys, level = 0.95) {
  rows <- list()
  domains <- list(list(by = "all", level = "all", keep = rep(TRUE, nrow(df))))
  for (b in bys) {
    v <- as.character(df[[b]])
    for (l in sort(unique(v[!is.na(v) & v != ""]))) {
      domains[[length(domains) + 1]] <- list(by = b, level = l, keep = !is.na(v) & v == l)
    }
  }
  for (d in domains) for (spec in outcomes) {
    y <- indicator(df, spec)
    keep <- d$keep & !is.na(y)
    if (!any(keep)) next
    # Estimates: the answers in the domain. Rows outside it get weight zero (calibrated
    # designs) or are dropped; their value of yy is never used, so a 0 keeps R's NA
    # propagation out of the sums.
    y0 <- ifelse(keep, y, 0)
    d2 <- update(des, yy = y0)
    sub <- d2[keep, ]
    m <- suppressWarnings(svymean(~yy, sub, deff = TRUE))
    t <- svytotal(~yy, sub)
    # Intervals and df: the domain itself, missing answers included (subset(design, domain)).
    dom <- update(des, yy = y)[d$keep, ]
    lg <- ci_of(dom, "logit", level)
    bt <- ci_of(dom, "beta", level)
    wd <- ci_of(dom, "mean", level)
    rows[[length(rows) + 1]] <- data.frame(
      by = d$by, level = d$level, outcome = spec, n = sum(keep),
      estimate = num(coef(m)), se = num(SE(m)), total = num(coef(t)), total_se = num(SE(t)),
      deff = num(deff(m)), df = degf(dom),
      logit_low = num(lg[1]), logit_high = num(lg[2]),
      beta_low = num(bt[1]), beta_high = num(bt[2]),
      wald_low = num(wd[1]), wald_high = num(wd[2]))
  }
  do.call(rbind, rows)
}

write_case <- function(name, des, df, outcomes, bys, level = 0.95) {
  res <- estimate_rows(des, df, outcomes, bys, level)
  write.csv(res, file.path(out, paste0("expected_", name, ".csv")), row.names = FALSE, quote = FALSE)
}
write_weights <- function(name, des) {
  write.csv(data.frame(weight = num(weights(des))), file.path(out, paste0("weights_", name, ".csv")),
            row.names = FALSE, quote = FALSE)
}
chisq_rows <- list()
add_chisq <- function(name, des, rows, cols) {
  f <- as.formula(paste("~", rows, "+", cols))
  tst <- svychisq(f, des, statistic = "F")
  chisq_rows[[length(chisq_rows) + 1]] <<- data.frame(
    case = name, rows = rows, cols = cols, f = num(tst$statistic), ndf = num(tst$parameter[1]),
    ddf = num(tst$parameter[2]), p_value = num(tst$p.value))
}

## ---- California schools (data(api)) ----
data(api)
api_columns <- function(d) data.frame(
  cds = d$cds, stype = d$stype, dnum = d$dnum, pw = d$pw, fpc = d$fpc,
  sch_wide = d$sch.wide, awards = d$awards, comp_imp = d$comp.imp, yr_rnd = d$yr.rnd,
  both = d$both, api00 = d$api00,
  small_k3 = ifelse(is.na(d$acs.k3), NA, as.numeric(d$acs.k3 <= 19)))
strat <- api_columns(apistrat)
clus1 <- api_columns(apiclus1)
write_data(strat, "apistrat.csv")
write_data(clus1, "apiclus1.csv")
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch_wide = c("No", "Yes"), Freq = c(1072, 5122))
pop_compimp <- data.frame(comp_imp = c("No", "Yes"), Freq = c(1712, 4482))
write_totals(pop_types$stype, pop_types$Freq, "stype", "totals_stype.csv")
write_totals(pop_schwide$sch_wide, pop_schwide$Freq, "sch_wide", "totals_sch_wide.csv")
write_totals(pop_compimp$comp_imp, pop_compimp$Freq, "comp_imp", "totals_comp_imp.csv")

api_outcomes <- c("sch_wide=Yes", "awards=Yes", "both=Yes", "small_k3")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
write_case("apistrat", dstrat, strat, api_outcomes, c("stype", "comp_imp", "yr_rnd"))
write_case("apistrat_level90", dstrat, strat, c("sch_wide=Yes", "small_k3"), c("comp_imp"), level = 0.90)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
write_case("apiclus1", dclus1, clus1, api_outcomes, c("stype", "comp_imp"))
rclus1 <- rake(dclus1, list(~stype, ~sch_wide), list(pop_types, pop_schwide), control = rake_control)
write_case("apiclus1_raked", rclus1, clus1, c("awards=Yes", "comp_imp=Yes", "small_k3", "sch_wide=Yes"),
           c("stype", "yr_rnd"))
write_weights("apiclus1_raked", rclus1)
pclus1 <- postStratify(dclus1, ~stype, pop_types)
write_case("apiclus1_poststrat", pclus1, clus1, c("awards=Yes", "comp_imp=Yes", "small_k3"), c("stype", "yr_rnd"))
write_weights("apiclus1_poststrat", pclus1)
rstrat <- rake(dstrat, list(~comp_imp, ~sch_wide), list(pop_compimp, pop_schwide), control = rake_control)
write_case("apistrat_raked", rstrat, strat, c("awards=Yes", "small_k3", "yr_rnd=Yes"), c("stype", "both"))
write_weights("apistrat_raked", rstrat)

# numeric means (library API): svymean(~api00) and by school type
means <- list()
for (d in list(list(name = "apistrat", des = dstrat), list(name = "apiclus1", des = dclus1),
               list(name = "apiclus1_raked", des = rclus1))) {
  m <- svymean(~api00, d$des); t <- svytotal(~api00, d$des)
  means[[length(means) + 1]] <- data.frame(case = d$name, level = "all", estimate = num(coef(m)),
    se = num(SE(m)), total = num(coef(t)), total_se = num(SE(t)))
  for (l in c("E", "H", "M")) {
    sub <- d$des[d$des$variables$stype == l, ]
    m <- svymean(~api00, sub); t <- svytotal(~api00, sub)
    means[[length(means) + 1]] <- data.frame(case = d$name, level = l, estimate = num(coef(m)),
      se = num(SE(m)), total = num(coef(t)), total_se = num(SE(t)))
  }
}
write.csv(do.call(rbind, means), file.path(out, "expected_means_api00.csv"), row.names = FALSE, quote = FALSE)

add_chisq("apistrat", dstrat, "stype", "sch_wide")
add_chisq("apiclus1", dclus1, "stype", "awards")
add_chisq("apiclus1_raked", rclus1, "stype", "awards")

## ---- Synthetic municipal survey: 4 districts x 3 age bands, fpc, missing answers ----
set.seed(20240601)
districts <- c("Higashi", "Kita", "Minami", "Nishi")
bands <- c("16-39", "40-64", "65+")
grid <- expand.grid(district = districts, ageband = bands, stringsAsFactors = FALSE)
grid$N <- c(2100, 1800, 2600, 1500, 3100, 2500, 3300, 2000, 1700, 2200, 1900, 1300)
grid$n <- c(38, 45, 52, 30, 61, 47, 66, 41, 55, 60, 49, 36)
synth <- do.call(rbind, lapply(seq_len(nrow(grid)), function(h) {
  g <- grid[h, ]
  data.frame(stratum = paste(g$district, g$ageband, sep = ":"), district = g$district,
             ageband = g$ageband, N_h = g$N, w = g$N / g$n,
             sex = sample(c("F", "M"), g$n, replace = TRUE, prob = c(0.53, 0.47)),
             stringsAsFactors = FALSE)
}))
nr <- nrow(synth)
synth$id <- seq_len(nr)
p_lonely <- 0.12 + 0.08 * (synth$ageband == "65+") + 0.05 * (synth$sex == "M")
synth$lonely <- ifelse(runif(nr) < 0.06, NA, as.numeric(runif(nr) < p_lonely))
synth$isolation <- ifelse(runif(nr) < 0.08, NA, sample(1:4, nr, replace = TRUE, prob = c(0.4, 0.3, 0.2, 0.1)))
synth$contact <- as.numeric(runif(nr) < 0.35 + 0.1 * (synth$district == "Kita"))
synth$sexage <- paste(synth$sex, synth$ageband, sep = ":")
# "group": a small domain that has exactly one respondent in some strata
synth$group <- "x"
synth$group[runif(nr) < 0.4] <- "y"
first_in <- function(s) which(synth$stratum == s)
synth$group[first_in("Higashi:16-39")[1]] <- "z"
synth$group[first_in("Kita:40-64")[1:2]] <- "z"
synth$group[first_in("Nishi:65+")[1:4]] <- "z"
synth$group[first_in("Minami:65+")[1]] <- "z"
synth <- synth[, c("id", "stratum", "district", "ageband", "sex", "sexage", "N_h", "w",
                   "lonely", "isolation", "contact", "group")]
write_data(synth, "synth.csv")

pop_district <- aggregate(grid$N, list(district = grid$district), sum)
names(pop_district)[2] <- "Freq"
male_share <- c("16-39" = 0.51, "40-64" = 0.495, "65+" = 0.44)
pop_sexage <- do.call(rbind, lapply(bands, function(b) {
  nb <- sum(grid$N[grid$ageband == b])
  data.frame(sexage = paste(c("F", "M"), b, sep = ":"), Freq = c(nb - round(nb * male_share[b]), round(nb * male_share[b])))
}))
write_totals(pop_district$district, pop_district$Freq, "district", "totals_district.csv")
write_totals(pop_sexage$sexage, pop_sexage$Freq, "sexage", "totals_sexage.csv")

synth_outcomes <- c("lonely", "isolation=4", "isolation=1", "contact")
synth_bys <- c("sex", "ageband", "district", "group")
dsynth <- svydesign(id = ~1, strata = ~stratum, weights = ~w, fpc = ~N_h, data = synth)
write_case("synth", dsynth, synth, synth_outcomes, synth_bys)
rsynth <- rake(dsynth, list(~sexage, ~district), list(pop_sexage, pop_district), control = rake_control)
write_case("synth_raked", rsynth, synth, synth_outcomes, synth_bys)
write_weights("synth_raked", rsynth)
psynth <- postStratify(dsynth, ~sexage, pop_sexage)
write_case("synth_poststrat", psynth, synth, synth_outcomes, synth_bys)
write_weights("synth_poststrat", psynth)
tsynth <- trimWeights(rsynth, upper = 70, lower = 30)
write_case("synth_raked_trimmed", tsynth, synth, synth_outcomes, c("sex", "group"))
write_weights("synth_raked_trimmed", tsynth)
add_chisq("synth", dsynth, "ageband", "contact")
add_chisq("synth_raked", rsynth, "district", "contact")
add_chisq("synth_poststrat", psynth, "sex", "contact")

## ---- Lonely PSU: one stratum with a single respondent ----
set.seed(7)
lonely <- data.frame(stratum = rep(c("A", "B", "C", "D", "E"), c(9, 7, 12, 6, 1)), stringsAsFactors = FALSE)
lonely$w <- c(rep(20, 9), rep(35, 7), rep(15, 12), rep(40, 6), 60)
lonely$sex <- sample(c("F", "M"), nrow(lonely), replace = TRUE)
lonely$sex[nrow(lonely)] <- "M"
lonely$lonely <- as.numeric(runif(nrow(lonely)) < 0.3)
lonely$lonely[nrow(lonely)] <- 1
write_data(lonely, "lonely.csv")
dlonely <- svydesign(id = ~1, strata = ~stratum, weights = ~w, data = lonely)
for (rule in c("adjust", "certainty", "average")) {
  options(survey.lonely.psu = rule)
  write_case(paste0("lonely_", rule), dlonely, lonely, c("lonely"), c("sex"))
}
options(survey.lonely.psu = "adjust")

## ---- Stratified one-stage cluster sample (survey points), raked ----
set.seed(99)
cl <- do.call(rbind, lapply(1:3, function(h) {
  do.call(rbind, lapply(1:6, function(k) {
    m <- sample(5:18, 1)
    data.frame(region = paste0("R", h), point = paste0("R", h, "P", k), points_in_region = 30 + 5 * h,
               w = (30 + 5 * h) / 6 * 60 / m, sex = sample(c("F", "M"), m, replace = TRUE),
               employed = sample(c("no", "yes"), m, replace = TRUE, prob = c(0.4, 0.6)),
               stringsAsFactors = FALSE)
  }))
}))
cl$lonely <- ifelse(runif(nrow(cl)) < 0.05, NA, as.numeric(runif(nrow(cl)) < 0.2 + 0.1 * (cl$employed == "no")))
cl$contact <- as.numeric(runif(nrow(cl)) < 0.4)
write_data(cl, "clustered.csv")
dcl <- svydesign(id = ~point, strata = ~region, weights = ~w, fpc = ~points_in_region, data = cl)
write_case("clustered", dcl, cl, c("lonely", "contact"), c("sex", "employed", "region"))
pop_sex <- data.frame(sex = c("F", "M"), Freq = c(3300, 3000))
pop_employed <- data.frame(employed = c("no", "yes"), Freq = c(2700, 3600))
write_totals(pop_sex$sex, pop_sex$Freq, "sex", "totals_sex.csv")
write_totals(pop_employed$employed, pop_employed$Freq, "employed", "totals_employed.csv")
rcl <- rake(dcl, list(~sex, ~employed), list(pop_sex, pop_employed), control = rake_control)
write_case("clustered_raked", rcl, cl, c("lonely", "contact"), c("sex", "region"))
write_weights("clustered_raked", rcl)
add_chisq("clustered_raked", rcl, "region", "contact")

write.csv(do.call(rbind, chisq_rows), file.path(out, "expected_chisq.csv"), row.names = FALSE, quote = FALSE)
cat("fixtures written to", out, "\n")
