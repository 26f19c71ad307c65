//! Taylor-linearisation variance with strata, one-stage clusters, fpc, the lonely-PSU rule
//! and the calibration step, as R's `svyrecvar` computes it — arranged so that a whole
//! subgroup table needs one pass over the rows.
//!
//! For a domain statistic, R forms a score per row (x = w·z, zero outside the domain),
//! removes the calibration fit from it (x ← x − q·A, with A a sum of per-margin-category
//! constants found by repeatedly centring x/q within the margin categories), sums it by PSU
//! (U_j) and adds up, per stratum, (1 − f) n/(n − 1) Σ (U_j − Ū)².
//!
//! Every score we need is z = α·δy + β·δ (δ the domain indicator): a mean has α = 1/W,
//! β = −p/W, a total α = 1, β = 0. So U_j = α S1_j + β S0_j − Σ_a A_a P_j[a], where S1_j and
//! S0_j are the PSU's sums of w·δ·y and w·δ and P_j[a] its calibration weight in calibration
//! column a. Σ_j U_j² then expands into per-stratum moments of S1, S0 (accumulated in one pass
//! for all tables, each row touching only its own level in each) and the design's Σ_j P_j P_jᵀ
//! (computed once at calibration). The centring constants come from per-category sums of the
//! score, gathered in the same pass. For a 0/1 outcome without clusters the pass only sums a
//! few numbers per (level, stratum, calibration cell, answer), and the moments are expanded
//! from those bins.

use super::columns::Categorical;
use super::design::{Design, LonelyPsu};

/// How rows fall into domains.
pub(crate) enum Grouping<'a> {
    /// One domain: every row.
    All,
    /// One domain: the rows marked true.
    Mask(&'a [bool]),
    /// One domain per level code (rows with a missing code are in none).
    Levels { codes: &'a [u32], levels: usize },
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StratumMoments {
    m11: f64,
    m10: f64,
    m00: f64,
    t1: f64,
    t0: f64,
    /// PSUs of the stratum with at least one row in the domain.
    present: usize,
}

/// One pass worth of sums for the domains of a grouping.
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    n_strata: usize,
    n_cols: usize,
    /// Respondents with an answer, per domain.
    pub(crate) n: Vec<usize>,
    /// Σ w per domain.
    pub(crate) sum_w: Vec<f64>,
    /// Σ w y per domain.
    pub(crate) sum_wy: Vec<f64>,
    e1: Vec<f64>,
    e0: Vec<f64>,
    strata: Vec<StratumMoments>,
    r1: Vec<f64>,
    r0: Vec<f64>,
}

impl Grouping<'_> {
    /// Number of domains.
    fn levels(&self) -> usize {
        match self {
            Grouping::All | Grouping::Mask(_) => 1,
            Grouping::Levels { levels, .. } => *levels,
        }
    }

    /// Domain of row `i`, or [`Categorical::MISSING`] when the row is in none.
    #[inline]
    fn level_of(&self, i: usize) -> u32 {
        match self {
            Grouping::All => 0,
            Grouping::Mask(mask) => {
                if mask[i] {
                    0
                } else {
                    Categorical::MISSING
                }
            }
            Grouping::Levels { codes, .. } => codes[i],
        }
    }
}

impl Moments {
    fn new(levels: usize, n_strata: usize, n_cols: usize) -> Moments {
        Moments {
            n_strata,
            n_cols,
            n: vec![0; levels],
            sum_w: vec![0.0; levels],
            sum_wy: vec![0.0; levels],
            e1: vec![0.0; levels * n_cols],
            e0: vec![0.0; levels * n_cols],
            strata: vec![StratumMoments::default(); levels * n_strata],
            r1: vec![0.0; levels * n_strata * n_cols],
            r0: vec![0.0; levels * n_strata * n_cols],
        }
    }
}

impl Design {
    /// Gathers the sums for every domain of `grouping` in one pass over the rows; rows whose
    /// outcome is NaN (missing) are left out of every domain.
    pub(crate) fn moments(&self, y: &[f64], grouping: &Grouping) -> Moments {
        self.moments_many(y, std::slice::from_ref(grouping))
            .pop()
            .expect("one grouping gives one set of moments")
    }

    /// [`Design::moments`] for several groupings at once, still in one pass over the rows:
    /// what a row contributes is worked out once and added to its domain in every grouping.
    pub(crate) fn moments_many(&self, y: &[f64], groupings: &[Grouping]) -> Vec<Moments> {
        let n_strata = self.n_strata();
        let calibration = self.calibration.as_ref();
        let n_cols = calibration.map_or(0, |c| c.n_cols);
        let mut all: Vec<Moments> = groupings
            .iter()
            .map(|g| Moments::new(g.levels(), n_strata, n_cols))
            .collect();
        // Per grouping, per (PSU, level): Σ w·y, Σ w, rows — only for clustered designs.
        let mut psu_sums: Vec<Vec<(f64, f64, u32)>> = match &self.psu {
            Some(_) => groupings
                .iter()
                .map(|g| vec![(0.0, 0.0, 0); self.n_psu * g.levels()])
                .collect(),
            None => Vec::new(),
        };
        for i in 0..self.n_rows() {
            let yi = y[i];
            if yi.is_nan() {
                continue;
            }
            let w = self.weights[i];
            let s1 = w * yi;
            let h = self.strata[i] as usize;
            let calibrated = calibration.map(|cal| {
                let q = self.cal_weights[i];
                let scaled = match &cal.omega {
                    Some(omega) => omega[i] * w / q,
                    None => w / q,
                };
                let cols = cal.row_cols(i);
                (scaled * yi, scaled, s1 * q, w * q, cols)
            });
            for (g, grouping) in groupings.iter().enumerate() {
                let level = grouping.level_of(i);
                if level == Categorical::MISSING {
                    continue;
                }
                let l = level as usize;
                let m = &mut all[g];
                m.n[l] += 1;
                m.sum_w[l] += w;
                m.sum_wy[l] += s1;
                match &self.psu {
                    None => {
                        let sm = &mut m.strata[l * n_strata + h];
                        sm.m11 += s1 * s1;
                        sm.m10 += s1 * w;
                        sm.m00 += w * w;
                        sm.t1 += s1;
                        sm.t0 += w;
                        sm.present += 1;
                    }
                    Some(psu) => {
                        let levels = m.n.len();
                        let cell = &mut psu_sums[g][psu[i] as usize * levels + l];
                        cell.0 += s1;
                        cell.1 += w;
                        cell.2 += 1;
                    }
                }
                if let Some((e1, e0, r1, r0, cols)) = calibrated {
                    let e1_level = &mut m.e1[l * n_cols..(l + 1) * n_cols];
                    for &col in cols {
                        e1_level[col as usize] += e1;
                    }
                    let e0_level = &mut m.e0[l * n_cols..(l + 1) * n_cols];
                    for &col in cols {
                        e0_level[col as usize] += e0;
                    }
                    if self.psu.is_none() {
                        let r_base = (l * n_strata + h) * n_cols;
                        let r1_cell = &mut m.r1[r_base..r_base + n_cols];
                        for &col in cols {
                            r1_cell[col as usize] += r1;
                        }
                        let r0_cell = &mut m.r0[r_base..r_base + n_cols];
                        for &col in cols {
                            r0_cell[col as usize] += r0;
                        }
                    }
                }
            }
        }
        if self.psu.is_some() {
            for (m, psu_sums) in all.iter_mut().zip(&psu_sums) {
                let levels = m.n.len();
                for (j, &stratum) in self.psu_stratum.iter().enumerate() {
                    let h = stratum as usize;
                    for l in 0..levels {
                        let (s1, s0, rows) = psu_sums[j * levels + l];
                        if rows == 0 {
                            continue;
                        }
                        let sm = &mut m.strata[l * n_strata + h];
                        sm.m11 += s1 * s1;
                        sm.m10 += s1 * s0;
                        sm.m00 += s0 * s0;
                        sm.t1 += s1;
                        sm.t0 += s0;
                        sm.present += 1;
                        if let Some(cal) = calibration {
                            let r_base = (l * n_strata + h) * n_cols;
                            for &(col, p) in &cal.psu_entries[j] {
                                m.r1[r_base + col as usize] += s1 * p;
                                m.r0[r_base + col as usize] += s0 * p;
                            }
                        }
                    }
                }
            }
        }
        all
    }

    /// [`Design::moments_many`] for an outcome of zeros and ones (and NaN for missing).
    ///
    /// Without clusters, a row's contribution depends only on its domain, its cell (stratum
    /// and calibration columns), its outcome and four per-row numbers (count, w, w², and
    /// the calibration's w/q and w·q), so the pass adds each row to one small bin per
    /// grouping and the moments are expanded from the bins afterwards.
    pub(crate) fn binary_moments_many(&self, y: &[f64], groupings: &[Grouping]) -> Vec<Moments> {
        if self.psu.is_some() {
            return self.moments_many(y, groupings);
        }
        let n_strata = self.n_strata();
        let uncalibrated_strata: Vec<u32>;
        let (row_cell, cell_stratum, cell_cols, k, n_cols) = match &self.calibration {
            None => {
                uncalibrated_strata = (0..n_strata as u32).collect();
                (&self.strata[..], &uncalibrated_strata[..], &[][..], 0, 0)
            }
            Some(cal) => match &cal.cells {
                Some(cells) => (
                    &cells.row_cell[..],
                    &cells.stratum[..],
                    &cells.cols[..],
                    cal.margins.len(),
                    cal.n_cols,
                ),
                None => return self.moments_many(y, groupings),
            },
        };
        let n_cells = cell_stratum.len();
        // Bin (level, cell, y): [rows, Σ w, Σ w², Σ ω·w/q, Σ w·q].
        let mut bins: Vec<Vec<[f64; 5]>> = groupings
            .iter()
            .map(|g| vec![[0.0; 5]; g.levels() * n_cells * 2])
            .collect();
        let calibration = self.calibration.as_ref();
        for i in 0..self.n_rows() {
            let yi = y[i];
            if yi.is_nan() {
                continue;
            }
            let w = self.weights[i];
            let (scaled, wq) = match calibration {
                Some(cal) => {
                    let q = self.cal_weights[i];
                    let scaled = match &cal.omega {
                        Some(omega) => omega[i] * w / q,
                        None => w / q,
                    };
                    (scaled, w * q)
                }
                None => (0.0, 0.0),
            };
            let row = [1.0, w, w * w, scaled, wq];
            let cell = row_cell[i] as usize * 2 + usize::from(yi == 1.0);
            for (grouping, bins) in groupings.iter().zip(bins.iter_mut()) {
                let level = grouping.level_of(i);
                if level == Categorical::MISSING {
                    continue;
                }
                let bin = &mut bins[level as usize * n_cells * 2 + cell];
                for (sum, value) in bin.iter_mut().zip(row) {
                    *sum += value;
                }
            }
        }
        groupings
            .iter()
            .zip(&bins)
            .map(|(grouping, bins)| {
                let mut m = Moments::new(grouping.levels(), n_strata, n_cols);
                for (index, &[rows, w, ww, scaled, wq]) in bins.iter().enumerate() {
                    if rows == 0.0 {
                        continue;
                    }
                    let y = (index % 2) as f64;
                    let cell = (index / 2) % n_cells;
                    let l = index / 2 / n_cells;
                    let h = cell_stratum[cell] as usize;
                    m.n[l] += rows as usize;
                    m.sum_w[l] += w;
                    m.sum_wy[l] += y * w;
                    let sm = &mut m.strata[l * n_strata + h];
                    sm.m11 += y * ww;
                    sm.m10 += y * ww;
                    sm.m00 += ww;
                    sm.t1 += y * w;
                    sm.t0 += w;
                    sm.present += rows as usize;
                    let r_base = (l * n_strata + h) * n_cols;
                    for &col in &cell_cols[cell * k..(cell + 1) * k] {
                        let col = col as usize;
                        m.e1[l * n_cols + col] += y * scaled;
                        m.e0[l * n_cols + col] += scaled;
                        m.r1[r_base + col] += y * wq;
                        m.r0[r_base + col] += wq;
                    }
                }
                m
            })
            .collect()
    }

    /// Variance of the linearised statistic with score α·δy + β·δ in domain `level`, from
    /// the moments; `None` when the expansion cancels so much that fewer than about seven
    /// significant digits would remain (a score almost fully explained by the calibration,
    /// or a constant outcome), in which case [`Design::direct_variance`] is exact.
    pub(crate) fn linearized_variance(
        &self,
        m: &Moments,
        level: usize,
        alpha: f64,
        beta: f64,
    ) -> Option<f64> {
        let (n_strata, n_cols) = (m.n_strata, m.n_cols);
        let calibration = self.calibration.as_ref();
        let adjustment = calibration.map(|cal| {
            let sums: Vec<f64> = (0..n_cols)
                .map(|col| alpha * m.e1[level * n_cols + col] + beta * m.e0[level * n_cols + col])
                .collect();
            cal.adjustment(&sums)
        });
        let mut total = 0.0;
        let mut magnitude = 0.0;
        let (mut strata_present, mut strata_used) = (0usize, 0usize);
        for h in 0..n_strata {
            let sm = m.strata[level * n_strata + h];
            // R's subset of a calibrated design keeps every row (with weight zero), so every
            // stratum takes part; otherwise only strata with rows in the domain do.
            if calibration.is_none() && sm.present == 0 {
                continue;
            }
            strata_present += 1;
            let f = self.stratum_fpc[h];
            if f < 1e-7 {
                strata_used += 1;
                continue;
            }
            let mut sum_sq =
                alpha * alpha * sm.m11 + 2.0 * alpha * beta * sm.m10 + beta * beta * sm.m00;
            let mut size =
                alpha * alpha * sm.m11 + (2.0 * alpha * beta * sm.m10).abs() + beta * beta * sm.m00;
            let mut sum = alpha * sm.t1 + beta * sm.t0;
            if let (Some(cal), Some(a)) = (calibration, &adjustment) {
                let r_base = (level * n_strata + h) * n_cols;
                let gram = &cal.gram[h * n_cols * n_cols..(h + 1) * n_cols * n_cols];
                let mut cross = 0.0;
                let mut quadratic = 0.0;
                // Columns without weight in the stratum add exact zeros to every sum here.
                let active = &cal.active_cols[h];
                for &col in active {
                    let i = col as usize;
                    if a[i] == 0.0 {
                        continue;
                    }
                    cross += a[i] * (alpha * m.r1[r_base + i] + beta * m.r0[r_base + i]);
                    let row = &gram[i * n_cols..(i + 1) * n_cols];
                    quadratic += a[i]
                        * active
                            .iter()
                            .map(|&b| row[b as usize] * a[b as usize])
                            .sum::<f64>();
                    sum -= a[i] * cal.psu_sums[h * n_cols + i];
                }
                sum_sq += quadratic - 2.0 * cross;
                size += quadratic.abs() + 2.0 * cross.abs();
            }
            let psus = self.stratum_psus[h];
            if psus > 1 {
                let k = psus as f64;
                total += f * k / (k - 1.0) * (sum_sq - sum * sum / k);
                magnitude += f * k / (k - 1.0) * (size + sum * sum / k);
                strata_used += 1;
            } else {
                match self.lonely {
                    LonelyPsu::Adjust => {
                        total += f * sum_sq;
                        magnitude += f * size;
                        strata_used += 1;
                    }
                    LonelyPsu::Certainty | LonelyPsu::Fail => strata_used += 1,
                    LonelyPsu::Average => {}
                }
            }
        }
        if strata_used == 0 {
            return Some(if strata_present == 0 { 0.0 } else { f64::NAN });
        }
        if magnitude > 0.0 && total.abs() < 1e-9 * magnitude {
            return None;
        }
        Some((total * strata_present as f64 / strata_used as f64).max(0.0))
    }

    /// The same variance as [`Design::linearized_variance`], computed row by row (R's way):
    /// slower, but without cancellation.
    pub(crate) fn direct_variance(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        level: usize,
        alpha: f64,
        beta: f64,
    ) -> f64 {
        let in_domain = |i: usize| match grouping {
            Grouping::All => true,
            Grouping::Mask(mask) => mask[i],
            Grouping::Levels { codes, .. } => codes[i] as usize == level,
        };
        let scores: Vec<f64> = (0..self.n_rows())
            .map(|i| {
                if !y[i].is_nan() && in_domain(i) {
                    self.weights[i] * (alpha * y[i] + beta)
                } else {
                    0.0
                }
            })
            .collect();
        let present: Vec<bool> = (0..m.n_strata)
            .map(|h| self.calibration.is_some() || m.strata[level * m.n_strata + h].present > 0)
            .collect();
        self.influence_covariance(&[scores], &present)[0].max(0.0)
    }

    /// The variance, from the moments when they are precise enough, else row by row.
    pub(crate) fn variance(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        level: usize,
        alpha: f64,
        beta: f64,
    ) -> f64 {
        self.linearized_variance(m, level, alpha, beta)
            .unwrap_or_else(|| self.direct_variance(y, grouping, m, level, alpha, beta))
    }

    /// Degrees of freedom of a domain: its PSUs minus its strata (R's `degf` of the subset).
    pub(crate) fn domain_df(&self, m: &Moments, level: usize) -> usize {
        let strata = &m.strata[level * m.n_strata..(level + 1) * m.n_strata];
        let psus: usize = strata.iter().map(|s| s.present).sum();
        let present = strata.iter().filter(|s| s.present > 0).count();
        psus - present
    }

    /// Covariance matrix (row-major, p × p) of statistics given by their per-row scores
    /// on the total scale (x = w·z), computed row by row as R does; `present` marks the
    /// strata that take part (only matters for the `average` lonely-PSU rule).
    pub(crate) fn influence_covariance(&self, scores: &[Vec<f64>], present: &[bool]) -> Vec<f64> {
        let p = scores.len();
        let n = self.n_rows();
        let mut x: Vec<Vec<f64>> = scores.to_vec();
        if let Some(cal) = &self.calibration {
            let q = &self.cal_weights;
            for column in x.iter_mut() {
                let mut v: Vec<f64> = column.iter().zip(q).map(|(x, q)| x / q).collect();
                for _ in 0..cal.sweeps {
                    for (k, margin) in cal.margins.iter().enumerate() {
                        let size =
                            cal.offsets.get(k + 1).copied().unwrap_or(cal.n_cols) - cal.offsets[k];
                        let mut sums = vec![0.0; size];
                        let mut weights = vec![0.0; size];
                        for i in 0..n {
                            let omega = cal.omega.as_ref().map_or(1.0, |o| o[i]);
                            sums[margin[i] as usize] += omega * v[i];
                            weights[margin[i] as usize] += omega;
                        }
                        for i in 0..n {
                            let c = margin[i] as usize;
                            v[i] -= sums[c] / weights[c];
                        }
                    }
                }
                for i in 0..n {
                    column[i] = v[i] * q[i];
                }
            }
        }
        let n_units = self.psu.as_ref().map_or(n, |_| self.n_psu);
        let mut totals = vec![0.0; n_units * p];
        for i in 0..n {
            let unit = self.psu.as_ref().map_or(i, |psu| psu[i] as usize);
            for (a, column) in x.iter().enumerate() {
                totals[unit * p + a] += column[i];
            }
        }
        let stratum_of = |unit: usize| match &self.psu {
            Some(_) => self.psu_stratum[unit] as usize,
            None => self.strata[unit] as usize,
        };
        let n_strata = self.n_strata();
        let mut sums = vec![0.0; n_strata * p];
        let mut products = vec![0.0; n_strata * p * p];
        for unit in 0..n_units {
            let h = stratum_of(unit);
            let u = &totals[unit * p..(unit + 1) * p];
            for a in 0..p {
                sums[h * p + a] += u[a];
                for b in 0..p {
                    products[(h * p + a) * p + b] += u[a] * u[b];
                }
            }
        }
        let mut covariance = vec![0.0; p * p];
        let (mut strata_present, mut strata_used) = (0usize, 0usize);
        for h in 0..n_strata {
            if !present[h] {
                continue;
            }
            strata_present += 1;
            let f = self.stratum_fpc[h];
            if f < 1e-7 {
                strata_used += 1;
                continue;
            }
            let psus = self.stratum_psus[h];
            let k = psus as f64;
            let (scale, centre) = if psus > 1 {
                (f * k / (k - 1.0), true)
            } else {
                match self.lonely {
                    LonelyPsu::Adjust => (f, false),
                    LonelyPsu::Certainty | LonelyPsu::Fail => (0.0, false),
                    LonelyPsu::Average => continue,
                }
            };
            strata_used += 1;
            for a in 0..p {
                for b in 0..p {
                    let mut value = products[(h * p + a) * p + b];
                    if centre {
                        value -= sums[h * p + a] * sums[h * p + b] / k;
                    }
                    covariance[a * p + b] += scale * value;
                }
            }
        }
        if strata_used > 0 {
            let factor = strata_present as f64 / strata_used as f64;
            covariance.iter_mut().for_each(|v| *v *= factor);
        }
        covariance
    }
}
