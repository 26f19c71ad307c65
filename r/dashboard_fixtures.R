# Reference values for the planner dashboard's statistics in tsunagari's estimation engine
# (src/estimate): domains with missing answers, a domain against the rest of the population,
# a city figure against a national one, and Rao-Scott tests with missing values on both
# sides. Computed with R's survey package (4.1). Run from the repository root:
#
#     Rscript r/dashboard_fixtures.R
#
# It writes tests/fixtures/estimate/dash_*.csv. The Rust tests (tests/estimate_r_agreement.rs)
# compare against these committed files and never need R.
#
# Every R call below is written the way a planner would write it in R:
# * domain estimates and intervals: svyciprop(~I(y == 1), subset(design, domain), na.rm = TRUE)
#   with the missing answers still in the subset (its df is degf() of that subset);
# * a domain against the rest: svyttest(I(y == 1) ~ I(g == level), subset(design, !is.na(g)));
# * a city figure against the national one: prop.test(c(x1, x2), c(n1, n2), correct = FALSE);
# * Rao-Scott: svychisq(~rows + cols, design) (statistic "F").
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
out <- "tests/fixtures/estimate"
dir.create(out, recursive = TRUE, showWarnings = FALSE)
num <- function(x) { x <- as.numeric(x); ifelse(is.na(x) | !is.finite(x), "NA", sprintf("%.17g", x)) }
rake_control <- list(maxit = 500, epsilon = 1e-13)
write_out <- function(df, name) {
  write.csv(df, file.path(out, name), row.names = FALSE, na = "", quote = FALSE)
}
write_totals <- function(levels, totals, var, name) {
  df <- data.frame(levels, totals)
  names(df) <- c(var, "total")
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

## ---- Data: a municipal survey, 3 districts x 3 age bands, fpc, answers missing in pockets ----
set.seed(20250115)
districts <- c("Chuo", "Kawabe", "Yamate")
bands <- c("18-39", "40-64", "65+")
grid <- expand.grid(district = districts, ageband = bands, stringsAsFactors = FALSE)
grid$N <- c(4200, 2800, 2100, 5100, 3900, 3000, 3600, 3300, 2600)
grid$n <- c(48, 30, 26, 55, 44, 35, 40, 42, 33)
dash <- do.call(rbind, lapply(seq_len(nrow(grid)), function(h) {
  g <- grid[h, ]
  data.frame(stratum = paste(g$district, g$ageband, sep = ":"), district = g$district,
             ageband = g$ageband, N_h = g$N, w = g$N / g$n,
             sex = sample(c("F", "M"), g$n, replace = TRUE, prob = c(0.52, 0.48)),
             stringsAsFactors = FALSE)
}))
nr <- nrow(dash)
dash$id <- seq_len(nr)
dash$sexage <- paste(dash$sex, dash$ageband, sep = ":")
old <- dash$ageband == "65+"
dash$household <- sample(c("alone", "couple", "family", "other"), nr, replace = TRUE,
                         prob = c(0.2, 0.3, 0.42, 0.08))
dash$household[old & runif(nr) < 0.3] <- "alone"
dash$household[runif(nr) < 0.07] <- NA
dash$employed <- ifelse(runif(nr) < 0.55 - 0.35 * old, "yes", "no")
dash$employed[runif(nr) < 0.05] <- NA
dash$carer <- ifelse(runif(nr) < 0.12, "yes", "no")
dash$carer[runif(nr) < 0.04] <- NA
alone <- !is.na(dash$household) & dash$household == "alone"
p_lonely <- 0.14 + 0.12 * alone + 0.05 * old + 0.04 * (dash$sex == "M")
dash$lonely <- as.numeric(runif(nr) < p_lonely)
# Missing answers in pockets: more among people living alone and in Yamate's oldest band,
# and every carer of Chuo:65+ skipped the question (a stratum whose domain rows all lack it).
p_missing <- 0.04 + 0.22 * alone + 0.25 * (dash$stratum == "Yamate:65+")
dash$lonely[runif(nr) < p_missing] <- NA
chuo_old <- which(dash$stratum == "Chuo:65+")
dash$carer[chuo_old] <- "no"
dash$carer[chuo_old[1:3]] <- "yes"
dash$lonely[chuo_old[1:3]] <- NA
dash$isolated <- as.numeric(runif(nr) < 0.18 + 0.1 * (dash$employed %in% "no"))
dash$isolated[runif(nr) < 0.1 + 0.15 * old] <- NA
dash$wellbeing <- round(pmin(10, pmax(0, rnorm(nr, 6.2 - 1.1 * alone, 1.8))), 1)
dash$wellbeing[runif(nr) < 0.09 + 0.2 * alone] <- NA
dash <- dash[, c("id", "stratum", "district", "ageband", "sex", "sexage", "N_h", "w",
                 "household", "employed", "carer", "lonely", "isolated", "wellbeing")]
write_out(dash, "dash_survey.csv")

pop_district <- aggregate(grid$N, list(district = grid$district), sum)
names(pop_district)[2] <- "Freq"
male_share <- c("18-39" = 0.51, "40-64" = 0.5, "65+" = 0.45)
pop_sexage <- do.call(rbind, lapply(bands, function(b) {
  nb <- sum(grid$N[grid$ageband == b])
  data.frame(sexage = paste(c("F", "M"), b, sep = ":"),
             Freq = c(nb - round(nb * male_share[b]), round(nb * male_share[b])))
}))
write_totals(pop_district$district, pop_district$Freq, "district", "dash_totals_district.csv")
write_totals(pop_sexage$sexage, pop_sexage$Freq, "sexage", "dash_totals_sexage.csv")

dstrat <- svydesign(id = ~1, strata = ~stratum, weights = ~w, fpc = ~N_h, data = dash)
draked <- rake(dstrat, list(~sexage, ~district), list(pop_sexage, pop_district), control = rake_control)
dpost <- postStratify(dstrat, ~sexage, pop_sexage)

## ---- A stratified one-stage cluster sample (survey points), missing answers ----
set.seed(4321)
cl <- do.call(rbind, lapply(1:3, function(h) {
  do.call(rbind, lapply(1:5, function(k) {
    m <- sample(6:16, 1)
    data.frame(region = paste0("R", h), point = paste0("R", h, "P", k), points_in_region = 25 + 5 * h,
               w = (25 + 5 * h) / 5 * 50 / m, sex = sample(c("F", "M"), m, replace = TRUE),
               household = sample(c("alone", "couple", "family"), m, replace = TRUE, prob = c(0.25, 0.35, 0.4)),
               stringsAsFactors = FALSE)
  }))
}))
ncl <- nrow(cl)
cl$household[runif(ncl) < 0.06] <- NA
cl$lonely <- as.numeric(runif(ncl) < 0.15 + 0.15 * (cl$household %in% "alone"))
cl$lonely[runif(ncl) < 0.06 + 0.2 * (cl$household %in% "alone")] <- NA
# one survey point where every respondent living alone skipped the question
r1p2 <- which(cl$point == "R1P2")
cl$household[r1p2[1:2]] <- "alone"
cl$lonely[r1p2[cl$household[r1p2] %in% "alone"]] <- NA
write_out(cl, "dash_clustered.csv")
pop_sex_cl <- data.frame(sex = c("F", "M"), Freq = c(2350, 2150))
write_totals(pop_sex_cl$sex, pop_sex_cl$Freq, "sex", "dash_totals_sex.csv")
dcl <- svydesign(id = ~point, strata = ~region, weights = ~w, fpc = ~points_in_region, data = cl)
rcl <- rake(dcl, list(~sex, ~region), list(pop_sex_cl,
            data.frame(region = c("R1", "R2", "R3"), Freq = c(1400, 1500, 1600))), control = rake_control)
write_totals(c("R1", "R2", "R3"), c(1400, 1500, 1600), "region", "dash_totals_region.csv")

designs <- list(
  list(name = "strat", des = dstrat, data = dash),
  list(name = "raked", des = draked, data = dash),
  list(name = "poststrat", des = dpost, data = dash),
  list(name = "clustered", des = dcl, data = cl),
  list(name = "clustered_raked", des = rcl, data = cl))
dash_bys <- c("district", "ageband", "sex", "household", "employed", "carer")
cl_bys <- c("region", "sex", "household")
bys_of <- function(d) if (startsWith(d$name, "clustered")) cl_bys else dash_bys
outcomes_of <- function(d) if (startsWith(d$name, "clustered")) "lonely" else c("lonely", "isolated")

## ---- 1. Domain estimates with missing answers inside the domains ----
# Same columns as expected_*.csv from r/estimate_fixtures.R, so the same Rust check reads them.
ci_of <- function(dom, method) {
  r <- tryCatch(suppressWarnings(attr(svyciprop(~I(yy == 1), dom, method = method, na.rm = TRUE), "ci")),
                error = function(e) c(NA, NA))
  as.numeric(r)
}
for (d in designs) {
  rows <- list()
  df <- d$data
  domains <- list(list(by = "all", level = "all", keep = rep(TRUE, nrow(df))))
  for (b in bys_of(d)) {
    v <- df[[b]]
    for (l in sort(unique(v[!is.na(v)]))) {
      domains[[length(domains) + 1]] <- list(by = b, level = l, keep = !is.na(v) & v == l)
    }
  }
  for (dm in domains) for (spec in outcomes_of(d)) {
    y <- df[[spec]]
    keep <- dm$keep & !is.na(y)
    if (!any(keep)) next
    dy <- update(d$des, yy = y)
    dom <- dy[dm$keep, ]                      # subset(design, domain): missing answers kept
    m <- suppressWarnings(svymean(~yy, dom, na.rm = TRUE, deff = TRUE))
    t <- svytotal(~yy, dom, na.rm = TRUE)
    lg <- ci_of(dom, "logit"); bt <- ci_of(dom, "beta"); wd <- ci_of(dom, "mean")
    rows[[length(rows) + 1]] <- data.frame(
      by = dm$by, level = dm$level, outcome = spec, n = sum(keep), rows = sum(dm$keep),
      estimate = num(coef(m)), se = num(SE(m)), total = num(coef(t)), total_se = num(SE(t)),
      deff = num(deff(m)), df = degf(dom), df_answered = degf(dy[keep, ]),
      logit_low = num(lg[1]), logit_high = num(lg[2]),
      beta_low = num(bt[1]), beta_high = num(bt[2]),
      wald_low = num(wd[1]), wald_high = num(wd[2]))
  }
  res <- do.call(rbind, rows)
  write.csv(res, file.path(out, paste0("dash_expected_", d$name, ".csv")), row.names = FALSE, quote = FALSE)
  differ <- sum(res$df != res$df_answered)
  cat(d$name, ":", nrow(res), "domain rows,", differ, "with a df that counts missing answers\n")
}

# Means of a numeric answer: svymean(~x, subset(design, domain), na.rm = TRUE); df = degf(subset).
means <- list()
for (d in designs[1:3]) {
  df <- d$data
  domains <- list(list(by = "all", level = "all", keep = rep(TRUE, nrow(df))))
  for (b in c("household", "carer")) {
    v <- df[[b]]
    for (l in sort(unique(v[!is.na(v)]))) domains[[length(domains) + 1]] <- list(by = b, level = l, keep = !is.na(v) & v == l)
  }
  for (dm in domains) {
    dom <- d$des[dm$keep, ]
    m <- svymean(~wellbeing, dom, na.rm = TRUE); t <- svytotal(~wellbeing, dom, na.rm = TRUE)
    means[[length(means) + 1]] <- data.frame(case = d$name, by = dm$by, level = dm$level,
      n = sum(dm$keep & !is.na(df$wellbeing)), estimate = num(coef(m)), se = num(SE(m)),
      total = num(coef(t)), total_se = num(SE(t)), df = degf(dom))
  }
}
write.csv(do.call(rbind, means), file.path(out, "dash_expected_means.csv"), row.names = FALSE, quote = FALSE)

## ---- 2. Each level against the rest of the population (design-based t test) ----
# svyttest(I(y == 1) ~ I(g == level), subset(design, !is.na(g))): a gaussian svyglm whose
# second coefficient is p(level) - p(rest), rest = respondents with g answered outside the
# level; svyglm drops rows with y missing (na.omit) and its df.residual is degf() of the
# design without them minus 1 (two coefficients). The SE is checked against the same
# difference written as a ratio contrast of totals (svycontrast), which must agree.
vs_rest <- list()
for (d in designs) {
  df <- d$data
  for (b in bys_of(d)) for (spec in outcomes_of(d)) {
    g <- df[[b]]
    for (l in sort(unique(g[!is.na(g)]))) {
      dy <- update(d$des, yy = df[[spec]], inlevel = as.numeric(g == l))
      sub <- subset(dy, !is.na(inlevel))
      ans <- !is.na(df[[spec]]) & !is.na(g)
      n_level <- sum(ans & g %in% l)
      n_rest <- sum(ans & !(g %in% l))
      res <- tryCatch(suppressWarnings(svyttest(I(yy == 1) ~ inlevel, sub)), error = function(e) NULL)
      diff <- NA; se <- NA; stat <- NA; dfr <- NA; p <- NA
      if (!is.null(res) && n_level > 0 && n_rest > 0) {
        m <- svyglm(I(yy == 1) ~ inlevel, sub)
        diff <- unname(res$estimate); se <- unname(SE(m)[2]); stat <- unname(res$statistic)
        dfr <- unname(res$parameter); p <- unname(res$p.value)
        answered <- subset(sub, !is.na(yy))
        answered <- update(answered, s1 = yy * inlevel, w1 = inlevel, s0 = yy * (1 - inlevel), w0 = 1 - inlevel)
        k <- svycontrast(svytotal(~s1 + w1 + s0 + w0, answered, na.rm = TRUE), quote(s1 / w1 - s0 / w0))
        stopifnot(abs(coef(k) - diff) < 1e-12, abs(SE(k) - se) < 1e-10 * se)
        stopifnot(dfr == degf(answered) - 1)
      }
      vs_rest[[length(vs_rest) + 1]] <- data.frame(case = d$name, by = b, level = l, outcome = spec,
        n = n_level, n_rest = n_rest, difference = num(diff), se = num(se), statistic = num(stat),
        df = num(dfr), p_value = num(p))
    }
  }
}
write.csv(do.call(rbind, vs_rest), file.path(out, "dash_expected_vs_rest.csv"), row.names = FALSE, quote = FALSE)

## ---- 3. A city proportion against the national one (unweighted, national convention) ----
# prop.test(c(x1, x2), c(n1, n2), correct = FALSE) with x = p n. The national figures are of
# the size of the 2023 national survey on loneliness (about 11,000 respondents).
props <- data.frame(
  p1 = c(0.0612, 0.412, 0.395, 0.25, 0.0, 1.0, 0.5, 0.0, 0.1875, 0.37),
  n1 = c(1209, 1209, 612, 12, 150, 40, 800, 30, 16, 11218),
  p2 = c(0.048, 0.393, 0.393, 0.048, 0.048, 0.96, 0.5, 0.0, 0.393, 0.393),
  n2 = c(11218, 11218, 11218, 11218, 11218, 11218, 11218, 11218, 11218, 11218))
two <- do.call(rbind, lapply(seq_len(nrow(props)), function(i) {
  r <- props[i, ]
  t <- suppressWarnings(prop.test(c(r$p1 * r$n1, r$p2 * r$n2), c(r$n1, r$n2), correct = FALSE))
  data.frame(p1 = num(r$p1), n1 = num(r$n1), p2 = num(r$p2), n2 = num(r$n2),
             difference = num(r$p1 - r$p2), chi_square = num(t$statistic), p_value = num(t$p.value))
}))
write.csv(two, file.path(out, "dash_expected_two_proportion.csv"), row.names = FALSE, quote = FALSE)

## ---- 4. Rao-Scott: breakdowns x a 0/1 indicator, missing values on both sides ----
chisq_rows <- list()
for (d in designs) for (b in bys_of(d)) for (spec in outcomes_of(d)) {
  f <- as.formula(paste("~", b, "+", spec))
  tst <- svychisq(f, d$des, statistic = "F")
  # Pearson's X^2 before the adjustment: svychisq scales the weighted table to nrow(design).
  x2 <- suppressWarnings(chisq.test(svytable(f, d$des, Ntotal = nrow(d$des)), correct = FALSE))
  chisq_rows[[length(chisq_rows) + 1]] <- data.frame(
    case = d$name, rows = b, cols = spec, pearson = num(x2$statistic), f = num(tst$statistic),
    ndf = num(tst$parameter[1]), ddf = num(tst$parameter[2]), p_value = num(tst$p.value))
}
write.csv(do.call(rbind, chisq_rows), file.path(out, "dash_expected_chisq.csv"), row.names = FALSE, quote = FALSE)
cat("fixtures written to", out, "\n")
