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

use super::calibration::Calibration;
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

/// The linearised score of a statistic on the total scale divided by w: α·δy + β·δ on its
/// domain δ, plus optionally α′·δᵁy + β′·δᵁ on the union δᵁ of the grouping's domains (for a
/// domain against the rest of the population); rows without an answer score zero.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Score {
    pub(crate) alpha: f64,
    pub(crate) beta: f64,
    pub(crate) union: Option<(f64, f64)>,
}

impl Score {
    /// A score on the domain only.
    pub(crate) fn domain(alpha: f64, beta: f64) -> Score {
        Score {
            alpha,
            beta,
            union: None,
        }
    }
}

/// Σ over strata of `units` minus the number of strata where it is positive.
fn units_minus_strata(
    strata: &[StratumMoments],
    units: impl Fn(&StratumMoments) -> usize,
) -> usize {
    let total: usize = strata.iter().map(&units).sum();
    let present = strata.iter().filter(|s| units(s) > 0).count();
    total - present
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StratumMoments {
    m11: f64,
    m10: f64,
    m00: f64,
    t1: f64,
    t0: f64,
    /// PSUs of the stratum with at least one answering row in the domain.
    present: usize,
    /// PSUs of the stratum with at least one row in the domain, answered or not (what R's
    /// `degf(subset(design, domain))` counts).
    units: usize,
}

/// Moments of the union of a grouping's domains (every row with a level), and cross
/// moments between each domain and that union: what the variance of a score that mixes a
/// domain with the union (a domain against the rest of the population) needs.
#[derive(Debug, Clone)]
pub(crate) struct UnionMoments {
    /// Respondents with an answer in some domain.
    pub(crate) n: usize,
    /// Σ w over the union.
    pub(crate) sum_w: f64,
    /// Σ w y over the union.
    pub(crate) sum_wy: f64,
    strata: Vec<StratumMoments>,
    /// Per (level, stratum): Σ_j S1_j S1ᵁ_j, Σ_j S1_j S0ᵁ_j, Σ_j S0_j S1ᵁ_j, Σ_j S0_j S0ᵁ_j
    /// over the stratum's PSUs, with ᵁ the union's PSU sums.
    cross: Vec<[f64; 4]>,
    e1: Vec<f64>,
    e0: Vec<f64>,
    r1: Vec<f64>,
    r0: Vec<f64>,
}

/// One pass worth of sums for the domains of a grouping.
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    n_strata: usize,
    n_cols: usize,
    /// Respondents with an answer, per domain.
    pub(crate) n: Vec<usize>,
    /// Rows per domain, answered or not.
    pub(crate) rows: Vec<usize>,
    /// Σ w per domain.
    pub(crate) sum_w: Vec<f64>,
    /// Σ w y per domain.
    pub(crate) sum_wy: Vec<f64>,
    e1: Vec<f64>,
    e0: Vec<f64>,
    strata: Vec<StratumMoments>,
    r1: Vec<f64>,
    r0: Vec<f64>,
    /// Filled in by [`Design::contrast_moments`] only.
    pub(crate) union: Option<UnionMoments>,
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

    /// The level of every cell when all rows of a cell share it (rows in no domain share
    /// [`Categorical::MISSING`]), `None` when some cell mixes levels.
    fn level_per_cell(&self, row_cell: &[u32], n_cells: usize) -> Option<Vec<u32>> {
        const UNSEEN: u32 = Categorical::MISSING - 1;
        let mut levels = vec![UNSEEN; n_cells];
        let mut same = |cell: u32, level: u32| {
            let seen = &mut levels[cell as usize];
            if *seen == UNSEEN {
                *seen = level;
            }
            *seen == level
        };
        let consistent = match self {
            Grouping::All => return Some(vec![0; n_cells]),
            Grouping::Mask(_) => (0..row_cell.len()).all(|i| same(row_cell[i], self.level_of(i))),
            Grouping::Levels { codes, .. } => row_cell
                .iter()
                .zip(codes.iter())
                .all(|(&cell, &level)| same(cell, level)),
        };
        consistent.then_some(levels)
    }
}

/// The cells a binned pass sums over: each row's cell, and each cell's stratum and
/// calibration columns (`k` per cell, out of `n_cols`).
struct BinCells<'a> {
    row_cell: &'a [u32],
    stratum: &'a [u32],
    cols: &'a [u32],
    k: usize,
    n_cols: usize,
}

/// Bins per cell in a binned pass: answer 0, answer 1, missing.
const KEYS: usize = 3;
/// The bin of rows whose answer is missing.
const MISSING_KEY: usize = 2;

#[inline]
fn add<const N: usize>(bin: &mut [f64; N], values: &[f64; N]) {
    for (sum, value) in bin.iter_mut().zip(values) {
        *sum += value;
    }
}

impl Moments {
    fn new(levels: usize, n_strata: usize, n_cols: usize) -> Moments {
        Moments {
            n_strata,
            n_cols,
            n: vec![0; levels],
            rows: vec![0; levels],
            sum_w: vec![0.0; levels],
            sum_wy: vec![0.0; levels],
            e1: vec![0.0; levels * n_cols],
            e0: vec![0.0; levels * n_cols],
            strata: vec![StratumMoments::default(); levels * n_strata],
            r1: vec![0.0; levels * n_strata * n_cols],
            r0: vec![0.0; levels * n_strata * n_cols],
            union: None,
        }
    }

    /// The union of the domains when every row is its own PSU: each row's PSU sums are its
    /// own, so the union's moments are the sums of the domains' and a domain's cross moments
    /// with the union are its own moments.
    fn union_of_unclustered(&self) -> UnionMoments {
        let (n_strata, n_cols) = (self.n_strata, self.n_cols);
        let mut u = self.union_linear_parts();
        for (index, sm) in self.strata.iter().enumerate() {
            let us = &mut u.strata[index % n_strata];
            us.m11 += sm.m11;
            us.m10 += sm.m10;
            us.m00 += sm.m00;
            us.t1 += sm.t1;
            us.t0 += sm.t0;
            us.present += sm.present;
            us.units += sm.units;
            u.cross[index] = [sm.m11, sm.m10, sm.m10, sm.m00];
        }
        debug_assert_eq!(u.r1.len(), n_strata * n_cols);
        u
    }

    /// The parts of the union's moments that add up over the domains (counts, sums, the
    /// calibration column sums); the per-stratum quadratic moments are left at zero.
    fn union_linear_parts(&self) -> UnionMoments {
        let (n_strata, n_cols) = (self.n_strata, self.n_cols);
        let levels = self.n.len();
        let sum_columns = |values: &[f64], width: usize| -> Vec<f64> {
            let mut total = vec![0.0; width];
            for chunk in values.chunks(width.max(1)).take(levels) {
                for (t, v) in total.iter_mut().zip(chunk) {
                    *t += v;
                }
            }
            total
        };
        UnionMoments {
            n: self.n.iter().sum(),
            sum_w: self.sum_w.iter().sum(),
            sum_wy: self.sum_wy.iter().sum(),
            strata: vec![StratumMoments::default(); n_strata],
            cross: vec![[0.0; 4]; levels * n_strata],
            e1: sum_columns(&self.e1, n_cols),
            e0: sum_columns(&self.e0, n_cols),
            r1: sum_columns(&self.r1, n_strata * n_cols),
            r0: sum_columns(&self.r0, n_strata * n_cols),
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
        self.moments_many_with(y, groupings, false)
    }

    /// The moments of one grouping together with its [`UnionMoments`] (for a domain against
    /// the rest of the population), from one pass over the rows.
    pub(crate) fn contrast_moments(&self, y: &[f64], grouping: &Grouping) -> Moments {
        let mut m = if self.psu.is_some() {
            self.moments_many_with(y, std::slice::from_ref(grouping), true)
        } else {
            self.binary_moments_many(y, std::slice::from_ref(grouping))
        }
        .pop()
        .expect("one grouping gives one set of moments");
        if m.union.is_none() {
            m.union = Some(m.union_of_unclustered());
        }
        m
    }

    /// [`Design::moments_many`]; with `union`, clustered designs also get each grouping's
    /// [`UnionMoments`] (which need the PSU sums of the pass).
    fn moments_many_with(&self, y: &[f64], groupings: &[Grouping], union: bool) -> Vec<Moments> {
        let n_strata = self.n_strata();
        let calibration = self.calibration.as_ref();
        let n_cols = calibration.map_or(0, |c| c.n_cols);
        let mut all: Vec<Moments> = groupings
            .iter()
            .map(|g| Moments::new(g.levels(), n_strata, n_cols))
            .collect();
        // Per grouping, per (PSU, level): Σ w·y, Σ w, answering rows, rows — only for
        // clustered designs.
        let mut psu_sums: Vec<Vec<(f64, f64, u32, u32)>> = match &self.psu {
            Some(_) => groupings
                .iter()
                .map(|g| vec![(0.0, 0.0, 0, 0); self.n_psu * g.levels()])
                .collect(),
            None => Vec::new(),
        };
        for i in 0..self.n_rows() {
            let yi = y[i];
            let h = self.strata[i] as usize;
            if yi.is_nan() {
                // Only counted: the row is in its domain's design (degrees of freedom).
                for (g, grouping) in groupings.iter().enumerate() {
                    let level = grouping.level_of(i);
                    if level == Categorical::MISSING {
                        continue;
                    }
                    let l = level as usize;
                    let m = &mut all[g];
                    m.rows[l] += 1;
                    match &self.psu {
                        None => m.strata[l * n_strata + h].units += 1,
                        Some(psu) => psu_sums[g][psu[i] as usize * m.n.len() + l].3 += 1,
                    }
                }
                continue;
            }
            let w = self.weights[i];
            let s1 = w * yi;
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
                m.rows[l] += 1;
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
                        sm.units += 1;
                    }
                    Some(psu) => {
                        let levels = m.n.len();
                        let cell = &mut psu_sums[g][psu[i] as usize * levels + l];
                        cell.0 += s1;
                        cell.1 += w;
                        cell.2 += 1;
                        cell.3 += 1;
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
                        let (s1, s0, answering, rows) = psu_sums[j * levels + l];
                        if rows > 0 {
                            m.strata[l * n_strata + h].units += 1;
                        }
                        if answering == 0 {
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
                if union {
                    m.union = Some(self.clustered_union(m, psu_sums));
                }
            }
        }
        all
    }

    /// [`UnionMoments`] of a clustered design from the pass's per-(PSU, level) sums.
    fn clustered_union(&self, m: &Moments, psu_sums: &[(f64, f64, u32, u32)]) -> UnionMoments {
        let n_strata = m.n_strata;
        let levels = m.n.len();
        let mut u = m.union_linear_parts();
        for (j, &stratum) in self.psu_stratum.iter().enumerate() {
            let h = stratum as usize;
            let sums = &psu_sums[j * levels..(j + 1) * levels];
            let (mut s1u, mut s0u, mut answering, mut rows) = (0.0, 0.0, 0u32, 0u32);
            for &(s1, s0, a, r) in sums {
                s1u += s1;
                s0u += s0;
                answering += a;
                rows += r;
            }
            let us = &mut u.strata[h];
            if rows > 0 {
                us.units += 1;
            }
            if answering == 0 {
                continue;
            }
            us.m11 += s1u * s1u;
            us.m10 += s1u * s0u;
            us.m00 += s0u * s0u;
            us.t1 += s1u;
            us.t0 += s0u;
            us.present += 1;
            for (l, &(s1, s0, a, _)) in sums.iter().enumerate() {
                if a > 0 {
                    let c = &mut u.cross[l * n_strata + h];
                    c[0] += s1 * s1u;
                    c[1] += s1 * s0u;
                    c[2] += s0 * s1u;
                    c[3] += s0 * s0u;
                }
            }
        }
        u
    }

    /// [`Design::moments_many`] for an outcome of zeros and ones (and NaN for missing).
    ///
    /// Without clusters, a row's contribution depends only on its domain, its cell (stratum
    /// and calibration columns), its outcome and a few per-row numbers (count, w, w², and
    /// the calibration's ω·w/q and w·q), so the pass adds each row to one small bin per
    /// grouping and the moments are expanded from the bins afterwards. A grouping whose
    /// level is the same for every row of a cell (the whole population, or a variable the
    /// strata or the calibration margins already classify by) needs no bins of its own: its
    /// moments are expanded from the cells' bins.
    pub(crate) fn binary_moments_many(&self, y: &[f64], groupings: &[Grouping]) -> Vec<Moments> {
        if self.psu.is_some() {
            return self.moments_many(y, groupings);
        }
        let uncalibrated_strata: Vec<u32>;
        let cells = match &self.calibration {
            None => {
                uncalibrated_strata = (0..self.n_strata() as u32).collect();
                BinCells {
                    row_cell: &self.strata,
                    stratum: &uncalibrated_strata,
                    cols: &[],
                    k: 0,
                    n_cols: 0,
                }
            }
            Some(cal) => match &cal.cells {
                Some(cells) => BinCells {
                    row_cell: &cells.row_cell,
                    stratum: &cells.stratum,
                    cols: &cells.cols,
                    k: cal.margins.len(),
                    n_cols: cal.n_cols,
                },
                None => return self.moments_many(y, groupings),
            },
        };
        match &self.calibration {
            // Raking leaves ω = 1 and q = w, so ω·w/q = 1 and w·q = w²: three sums suffice.
            Some(cal) if cal.omega.is_some() || !self.weights_are_calibration_weights() => {
                let omega = cal.omega.as_deref().map(|o| &o[..]);
                self.binned_moments(y, groupings, &cells, |i, w| {
                    let q = self.cal_weights[i];
                    let scaled = omega.map_or(1.0, |o| o[i]) * w / q;
                    [1.0, w, w * w, scaled, w * q]
                })
            }
            _ => self.binned_moments(y, groupings, &cells, |_, w| [1.0, w, w * w]),
        }
    }

    /// The pass behind [`Design::binary_moments_many`]: `row_sums(i, w)` gives what row `i`
    /// adds to its bin — rows, w, w² and, when N is 5, ω·w/q and w·q (with N = 3 these are
    /// taken as rows and w²).
    fn binned_moments<const N: usize>(
        &self,
        y: &[f64],
        groupings: &[Grouping],
        cells: &BinCells,
        row_sums: impl Fn(usize, f64) -> [f64; N],
    ) -> Vec<Moments> {
        let n_cells = cells.stratum.len();
        let cell_levels: Vec<Option<Vec<u32>>> = groupings
            .iter()
            .map(|g| g.level_per_cell(cells.row_cell, n_cells))
            .collect();
        // Bins (level, cell, answer) of the groupings that cut across cells; (cell, answer)
        // for all. The answer is 0, 1 or missing (key 2, whose bins only count rows).
        let mut cell_bins = vec![[0.0; N]; n_cells * KEYS];
        let mut own_bins: Vec<(&Grouping, Vec<[f64; N]>)> = groupings
            .iter()
            .zip(&cell_levels)
            .filter(|(_, levels)| levels.is_none())
            .map(|(g, _)| (g, vec![[0.0; N]; g.levels() * n_cells * KEYS]))
            .collect();
        for (i, (&yi, &cell)) in y.iter().zip(cells.row_cell).enumerate() {
            if yi.is_nan() {
                let key = cell as usize * KEYS + MISSING_KEY;
                cell_bins[key][0] += 1.0;
                for (grouping, bins) in own_bins.iter_mut() {
                    let level = grouping.level_of(i);
                    if level != Categorical::MISSING {
                        bins[level as usize * n_cells * KEYS + key][0] += 1.0;
                    }
                }
                continue;
            }
            let sums = row_sums(i, self.weights[i]);
            let key = cell as usize * KEYS + usize::from(yi == 1.0);
            add(&mut cell_bins[key], &sums);
            for (grouping, bins) in own_bins.iter_mut() {
                let level = grouping.level_of(i);
                if level != Categorical::MISSING {
                    add(&mut bins[level as usize * n_cells * KEYS + key], &sums);
                }
            }
        }
        let mut own_bins = own_bins.into_iter().map(|(_, bins)| bins);
        groupings
            .iter()
            .zip(&cell_levels)
            .map(|(grouping, levels)| {
                let mut m = Moments::new(grouping.levels(), self.n_strata(), cells.n_cols);
                match levels {
                    Some(levels) => {
                        for (key, bin) in cell_bins.iter().enumerate() {
                            let level = levels[key / KEYS];
                            if level != Categorical::MISSING {
                                self.add_bin(&mut m, cells, level as usize, key, bin);
                            }
                        }
                    }
                    None => {
                        let bins = own_bins.next().unwrap_or_default();
                        for (index, bin) in bins.iter().enumerate() {
                            let key = index % (n_cells * KEYS);
                            self.add_bin(&mut m, cells, index / (n_cells * KEYS), key, bin);
                        }
                    }
                }
                m
            })
            .collect()
    }

    /// Adds bin (`level`, cell and answer `key`) to the moments.
    fn add_bin<const N: usize>(
        &self,
        m: &mut Moments,
        cells: &BinCells,
        l: usize,
        key: usize,
        bin: &[f64; N],
    ) {
        let rows = bin[0];
        if rows == 0.0 {
            return;
        }
        let cell = key / KEYS;
        let (n_strata, n_cols, k) = (m.n_strata, cells.n_cols, cells.k);
        let h = cells.stratum[cell] as usize;
        // Without clusters every row is its own PSU.
        m.rows[l] += rows as usize;
        m.strata[l * n_strata + h].units += rows as usize;
        if key % KEYS == MISSING_KEY {
            return;
        }
        let (w, ww) = (bin[1], bin[2]);
        let (scaled, wq) = if N == 5 { (bin[3], bin[4]) } else { (rows, ww) };
        let y = (key % KEYS) as f64;
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
        for &col in &cells.cols[cell * k..(cell + 1) * k] {
            let col = col as usize;
            m.e1[l * n_cols + col] += y * scaled;
            m.e0[l * n_cols + col] += scaled;
            m.r1[r_base + col] += y * wq;
            m.r0[r_base + col] += wq;
        }
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
        self.score_variance(m, level, Score::domain(alpha, beta))
    }

    /// [`Design::linearized_variance`] of any [`Score`]; one with a union part needs the
    /// moments of [`Design::contrast_moments`].
    pub(crate) fn score_variance(&self, m: &Moments, level: usize, score: Score) -> Option<f64> {
        let (n_strata, n_cols) = (m.n_strata, m.n_cols);
        let (alpha, beta) = (score.alpha, score.beta);
        let union = score.union.map(|(a, b)| {
            let u = m
                .union
                .as_ref()
                .expect("a score with a union part needs contrast moments");
            (u, a, b)
        });
        let calibration = self.calibration.as_ref();
        let adjustment = calibration.map(|cal| {
            let sums: Vec<f64> = (0..n_cols)
                .map(|col| {
                    let own =
                        alpha * m.e1[level * n_cols + col] + beta * m.e0[level * n_cols + col];
                    match union {
                        Some((u, a, b)) => own + a * u.e1[col] + b * u.e0[col],
                        None => own,
                    }
                })
                .collect();
            cal.adjustment(&sums)
        });
        let mut total = 0.0;
        let mut magnitude = 0.0;
        let (mut strata_present, mut strata_used) = (0usize, 0usize);
        for h in 0..n_strata {
            let sm = m.strata[level * n_strata + h];
            // The rows of the score: the domain, or the union when the score has a part there.
            let present = union.map_or(sm.present, |(u, _, _)| u.strata[h].present);
            // R's subset of a calibrated design keeps every row (with weight zero), so every
            // stratum takes part; otherwise only strata with rows in the domain do.
            if calibration.is_none() && present == 0 {
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
            if let Some((u, a, b)) = union {
                let us = u.strata[h];
                let c = u.cross[level * n_strata + h];
                let own = a * a * us.m11 + 2.0 * a * b * us.m10 + b * b * us.m00;
                let products = [
                    alpha * a * c[0],
                    alpha * b * c[1],
                    beta * a * c[2],
                    beta * b * c[3],
                ];
                sum_sq += own + 2.0 * products.iter().sum::<f64>();
                size += a * a * us.m11
                    + (2.0 * a * b * us.m10).abs()
                    + b * b * us.m00
                    + 2.0 * products.iter().map(|p| p.abs()).sum::<f64>();
                sum += a * us.t1 + b * us.t0;
            }
            if let (Some(cal), Some(adj)) = (calibration, &adjustment) {
                let r_base = (level * n_strata + h) * n_cols;
                let gram = &cal.gram[h * n_cols * n_cols..(h + 1) * n_cols * n_cols];
                let mut cross = 0.0;
                let mut quadratic = 0.0;
                // Columns without weight in the stratum add exact zeros to every sum here.
                let active = &cal.active_cols[h];
                for &col in active {
                    let i = col as usize;
                    if adj[i] == 0.0 {
                        continue;
                    }
                    let mut r = alpha * m.r1[r_base + i] + beta * m.r0[r_base + i];
                    if let Some((u, a, b)) = union {
                        r += a * u.r1[h * n_cols + i] + b * u.r0[h * n_cols + i];
                    }
                    cross += adj[i] * r;
                    let row = &gram[i * n_cols..(i + 1) * n_cols];
                    quadratic += adj[i]
                        * active
                            .iter()
                            .map(|&b| row[b as usize] * adj[b as usize])
                            .sum::<f64>();
                    sum -= adj[i] * cal.psu_sums[h * n_cols + i];
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
        self.direct_score_variance(y, grouping, m, level, Score::domain(alpha, beta))
    }

    /// [`Design::score_variance`] computed row by row.
    pub(crate) fn direct_score_variance(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        level: usize,
        score: Score,
    ) -> f64 {
        let scores: Vec<f64> = (0..self.n_rows())
            .map(|i| {
                let row_level = grouping.level_of(i);
                if y[i].is_nan() || row_level == Categorical::MISSING {
                    return 0.0;
                }
                let mut z = 0.0;
                if row_level as usize == level {
                    z += score.alpha * y[i] + score.beta;
                }
                if let Some((a, b)) = score.union {
                    z += a * y[i] + b;
                }
                self.weights[i] * z
            })
            .collect();
        let present: Vec<bool> = (0..m.n_strata)
            .map(|h| {
                let rows = match (&score.union, &m.union) {
                    (Some(_), Some(u)) => u.strata[h].present,
                    _ => m.strata[level * m.n_strata + h].present,
                };
                self.calibration.is_some() || rows > 0
            })
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

    /// [`Design::variance`] of any [`Score`].
    pub(crate) fn score_variance_or_direct(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        level: usize,
        score: Score,
    ) -> f64 {
        self.score_variance(m, level, score)
            .unwrap_or_else(|| self.direct_score_variance(y, grouping, m, level, score))
    }

    /// Degrees of freedom of a domain: its PSUs minus its strata, counting every row of the
    /// domain whether or not it answered — R's `degf(subset(design, domain))`, which is
    /// what `svyciprop` on that subset uses.
    pub(crate) fn domain_df(&self, m: &Moments, level: usize) -> usize {
        units_minus_strata(
            &m.strata[level * m.n_strata..(level + 1) * m.n_strata],
            |s| s.units,
        )
    }

    /// Degrees of freedom of the answering rows of the union of a grouping's domains: PSUs
    /// with an answer there minus their strata (R's `degf` of the design `svyglm` fits on,
    /// after it drops the rows with a missing value).
    pub(crate) fn union_answering_df(&self, u: &UnionMoments) -> usize {
        units_minus_strata(&u.strata, |s| s.present)
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
            let joint = JointCells::of(cal, n);
            for column in x.iter_mut() {
                let mut v: Vec<f64> = column.iter().zip(q.iter()).map(|(x, q)| x / q).collect();
                match &joint {
                    Some(joint) => joint.centre(cal, &mut v),
                    None => centre_rows(cal, &mut v),
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
        // The products are symmetric: the upper triangle is summed (and mirrored later).
        for unit in 0..n_units {
            let h = stratum_of(unit);
            let u = &totals[unit * p..(unit + 1) * p];
            for a in 0..p {
                sums[h * p + a] += u[a];
                let row = &mut products[(h * p + a) * p..(h * p + a + 1) * p];
                for b in a..p {
                    row[b] += u[a] * u[b];
                }
            }
        }
        self.stratified_covariance(p, &sums, products, present)
    }

    /// The covariance of the cell proportions of a table (what the Rao–Scott test needs),
    /// summed over bins — calibration cell × table cell — instead of rows: every row of a bin
    /// has a score w·α − q·β with α the bin's table cell and β the centring shift of its
    /// joint calibration cell, so the sums of w², w·q, q², w, q and ω·w/q per bin are all the
    /// rows contribute. The same covariance as [`Design::influence_covariance`] of the
    /// scores w (1[cell] − p) / W (0 on rows outside the table), in another order of sums;
    /// `None` for designs with clusters or without a cell index (then row by row).
    ///
    /// `row_cells` holds the table cell of every row (`None`: outside the table), `p` the
    /// cell proportions and `total_weight` W.
    pub(crate) fn table_covariance(
        &self,
        row_cells: &[Option<usize>],
        p: &[f64],
        total_weight: f64,
        present: &[bool],
    ) -> Option<Vec<f64>> {
        if self.psu.is_some() {
            return None;
        }
        let n = self.n_rows();
        let cells = p.len();
        let calibration = self.calibration.as_ref();
        let (bin_of_row, n_cal_cells, cal_cell_stratum): (&[u32], usize, Vec<u32>) =
            match calibration {
                None => (
                    &self.strata[..],
                    self.n_strata(),
                    (0..self.n_strata() as u32).collect(),
                ),
                Some(cal) => {
                    let index = cal.cells.as_ref()?;
                    (
                        &index.row_cell[..],
                        index.stratum.len(),
                        index.stratum.clone(),
                    )
                }
            };
        let joint = match calibration {
            None => None,
            Some(cal) => Some(JointCells::of(cal, n)?),
        };
        // Bins: calibration cell × (table cell, or one more for rows outside the table).
        let width = cells + 1;
        let mut bins = vec![TableBin::default(); n_cal_cells * width];
        let mut joint_of_cal_cell = vec![0u32; n_cal_cells];
        for i in 0..n {
            let cal_cell = bin_of_row[i] as usize;
            let t = row_cells[i].unwrap_or(cells);
            let (w, q) = (self.weights[i], self.cal_weights[i]);
            let omega = calibration
                .and_then(|cal| cal.omega.as_ref())
                .map_or(1.0, |o| o[i]);
            let bin = &mut bins[cal_cell * width + t];
            bin.w += w;
            bin.ww += w * w;
            bin.wq += w * q;
            bin.qq += q * q;
            bin.q += q;
            bin.omega_w_over_q += omega * w / q;
            if let Some(joint) = &joint {
                joint_of_cal_cell[cal_cell] = joint.cell[i];
            }
        }
        let alpha = |t: usize, c: usize| {
            if t == cells {
                0.0
            } else {
                (f64::from(u8::from(t == c)) - p[c]) / total_weight
            }
        };
        // The centring shift of every joint calibration cell, per table cell (column).
        let shift: Vec<Vec<f64>> = match (calibration, &joint) {
            (Some(cal), Some(joint)) => (0..cells)
                .map(|c| {
                    let mut sums = vec![0.0; joint.omega.len()];
                    for (index, bin) in bins.iter().enumerate() {
                        let (cal_cell, t) = (index / width, index % width);
                        sums[joint_of_cal_cell[cal_cell] as usize] +=
                            alpha(t, c) * bin.omega_w_over_q;
                    }
                    joint.shift(cal, &sums)
                })
                .collect(),
            _ => Vec::new(),
        };
        let beta = |cal_cell: usize, c: usize| {
            shift
                .get(c)
                .map_or(0.0, |s| s[joint_of_cal_cell[cal_cell] as usize])
        };
        let n_strata = self.n_strata();
        let mut sums = vec![0.0; n_strata * cells];
        let mut products = vec![0.0; n_strata * cells * cells];
        let (mut a_of, mut b_of) = (vec![0.0; cells], vec![0.0; cells]);
        for (index, bin) in bins.iter().enumerate() {
            if bin.w == 0.0 && bin.q == 0.0 {
                continue;
            }
            let (cal_cell, t) = (index / width, index % width);
            let h = cal_cell_stratum[cal_cell] as usize;
            for c in 0..cells {
                a_of[c] = alpha(t, c);
                b_of[c] = beta(cal_cell, c);
            }
            for a in 0..cells {
                sums[h * cells + a] += a_of[a] * bin.w - b_of[a] * bin.q;
                let row = &mut products[(h * cells + a) * cells..(h * cells + a + 1) * cells];
                for b in a..cells {
                    row[b] += a_of[a] * a_of[b] * bin.ww
                        - (a_of[a] * b_of[b] + b_of[a] * a_of[b]) * bin.wq
                        + b_of[a] * b_of[b] * bin.qq;
                }
            }
        }
        Some(self.stratified_covariance(cells, &sums, products, present))
    }

    /// The covariance of p statistics from each stratum's sums of its units' scores
    /// (`sums`, n_strata × p) and of their products (`products`, n_strata × p × p, upper
    /// triangle filled): with fpc, centring and the lonely-PSU rule as R applies them.
    fn stratified_covariance(
        &self,
        p: usize,
        sums: &[f64],
        mut products: Vec<f64>,
        present: &[bool],
    ) -> Vec<f64> {
        let n_strata = self.n_strata();
        for h in 0..n_strata {
            for a in 0..p {
                for b in 0..a {
                    products[(h * p + a) * p + b] = products[(h * p + b) * p + a];
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

/// What the rows of one bin (calibration cell × table cell) contribute to a table's
/// covariance: sums of w, w², w·q, q², q and ω·w/q.
#[derive(Debug, Clone, Copy, Default)]
struct TableBin {
    w: f64,
    ww: f64,
    wq: f64,
    qq: f64,
    q: f64,
    omega_w_over_q: f64,
}

/// R's centring of a score on the calibration variables, row by row: `sweeps` times, for
/// every margin, subtract each category's ω-weighted mean.
fn centre_rows(cal: &Calibration, v: &mut [f64]) {
    let n = v.len();
    for _ in 0..cal.sweeps {
        for (k, margin) in cal.margins.iter().enumerate() {
            let size = cal.offsets.get(k + 1).copied().unwrap_or(cal.n_cols) - cal.offsets[k];
            let mut sums = vec![0.0; size];
            let mut weights = vec![0.0; size];
            for i in 0..n {
                let omega = cal.omega.as_ref().map_or(1.0, |o| o[i]);
                sums[margin.get(i) as usize] += omega * v[i];
                weights[margin.get(i) as usize] += omega;
            }
            for (i, value) in v.iter_mut().enumerate() {
                let c = margin.get(i) as usize;
                *value -= sums[c] / weights[c];
            }
        }
    }
}

/// The rows grouped by their joint calibration cell (one category of every margin). Every
/// centring step subtracts a constant per margin category, so what a row loses is a
/// constant of its joint cell: the sweeps run on the cells' ω-sums instead of the rows, and
/// each row is corrected once. The same sums as [`centre_rows`], added in another order.
struct JointCells {
    /// The joint cell of every row.
    cell: Vec<u32>,
    /// Σ ω per joint cell.
    omega: Vec<f64>,
    /// The category of every margin in each joint cell.
    categories: Vec<Vec<u32>>,
}

impl JointCells {
    /// `None` when there are more joint cells than rows (then rows are as cheap).
    fn of(cal: &Calibration, n: usize) -> Option<JointCells> {
        let sizes: Vec<usize> = (0..cal.margins.len())
            .map(|k| cal.offsets.get(k + 1).copied().unwrap_or(cal.n_cols) - cal.offsets[k])
            .collect();
        let count = sizes
            .iter()
            .try_fold(1usize, |acc, &s| acc.checked_mul(s.max(1)))?;
        if count > n || count > u32::MAX as usize {
            return None;
        }
        let mut cell = vec![0u32; n];
        for (i, c) in cell.iter_mut().enumerate() {
            let mut index = 0usize;
            for (k, margin) in cal.margins.iter().enumerate() {
                index = index * sizes[k] + margin.get(i) as usize;
            }
            *c = index as u32;
        }
        let mut omega = vec![0.0; count];
        for (i, &c) in cell.iter().enumerate() {
            omega[c as usize] += cal.omega.as_ref().map_or(1.0, |o| o[i]);
        }
        let categories = (0..count)
            .map(|mut index| {
                let mut cats = vec![0u32; sizes.len()];
                for k in (0..sizes.len()).rev() {
                    cats[k] = (index % sizes[k]) as u32;
                    index /= sizes[k];
                }
                cats
            })
            .collect();
        Some(JointCells {
            cell,
            omega,
            categories,
        })
    }

    fn centre(&self, cal: &Calibration, v: &mut [f64]) {
        let mut sums = vec![0.0; self.omega.len()];
        for (i, &c) in self.cell.iter().enumerate() {
            sums[c as usize] += cal.omega.as_ref().map_or(1.0, |o| o[i]) * v[i];
        }
        let shift = self.shift(cal, &sums);
        for (i, value) in v.iter_mut().enumerate() {
            *value -= shift[self.cell[i] as usize];
        }
    }

    /// What every row of each joint cell loses in the centring, from the cells' Σ ω·v.
    fn shift(&self, cal: &Calibration, sums: &[f64]) -> Vec<f64> {
        let cells = self.omega.len();
        let mut shift = vec![0.0; cells];
        for _ in 0..cal.sweeps {
            for k in 0..cal.margins.len() {
                let size = cal.offsets.get(k + 1).copied().unwrap_or(cal.n_cols) - cal.offsets[k];
                let mut num = vec![0.0; size];
                let mut den = vec![0.0; size];
                for j in 0..cells {
                    let m = self.categories[j][k] as usize;
                    num[m] += sums[j] - self.omega[j] * shift[j];
                    den[m] += self.omega[j];
                }
                for (shift, categories) in shift.iter_mut().zip(&self.categories) {
                    let m = categories[k] as usize;
                    *shift += num[m] / den[m];
                }
            }
        }
        shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{MarginTotals, RakeOptions};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A stratified sample of 2,000 with a 0/1 outcome (some missing), a variable the strata
    /// classify by, one that cuts across the strata, and two raking margins.
    struct Sample {
        design: Design,
        /// The same rows in 60 survey points (10 per stratum), with fpc.
        clustered: Design,
        y: Vec<f64>,
        region: Categorical,
        across: Categorical,
        sex: Categorical,
        age: Categorical,
    }

    fn sample() -> Sample {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 2000;
        let mut strata = Vec::new();
        let (mut region, mut across, mut sex, mut age) = (vec![], vec![], vec![], vec![]);
        let (mut weights, mut y) = (vec![], vec![]);
        for _ in 0..n {
            let h = rng.gen_range(0..6);
            strata.push(format!("s{h}"));
            region.push(format!("r{}", h / 2));
            across.push(["a", "b", "c", ""][rng.gen_range(0..4)].to_string());
            sex.push(["F", "M"][rng.gen_range(0..2)].to_string());
            age.push(["young", "old"][rng.gen_range(0..2)].to_string());
            weights.push(rng.gen_range(5.0..50.0));
            y.push(if rng.gen_bool(0.05) {
                f64::NAN
            } else {
                f64::from(u8::from(rng.gen_bool(0.3)))
            });
        }
        let points: Vec<String> = (0..n).map(|i| format!("p{}", i % 10)).collect();
        let clustered = Design::builder(weights.clone())
            .strata("stratum", Categorical::from_labels(&strata))
            .clusters("point", Categorical::from_labels(&points))
            .fpc("points", vec![40.0; n])
            .build()
            .unwrap();
        let design = Design::builder(weights)
            .strata("stratum", Categorical::from_labels(&strata))
            .build()
            .unwrap();
        Sample {
            design,
            clustered,
            y,
            region: Categorical::from_labels(&region),
            across: Categorical::from_labels(&across),
            sex: Categorical::from_labels(&sex),
            age: Categorical::from_labels(&age),
        }
    }

    fn margin(name: &str, column: &Categorical, totals: &[f64]) -> MarginTotals {
        let totals: Vec<(String, f64)> = column
            .levels()
            .iter()
            .cloned()
            .zip(totals.iter().copied())
            .collect();
        MarginTotals::new(name, column, &totals).unwrap()
    }

    fn assert_close(binned: &[f64], direct: &[f64], what: &str) {
        assert_eq!(binned.len(), direct.len(), "{what}");
        for (b, d) in binned.iter().zip(direct) {
            assert!(
                (b - d).abs() <= 1e-9 * d.abs().max(1.0),
                "{what}: binned {b} vs row by row {d}"
            );
        }
    }

    /// The binned pass must give the same moments as the plain row-by-row pass, for groupings
    /// that follow the cells (the whole population, a variable of the strata) and for ones
    /// that cut across them (a variable with missing codes, a mask).
    fn check_binned_equals_row_by_row(design: &Design, s: &Sample) {
        let mask: Vec<bool> = (0..s.y.len()).map(|i| i % 3 == 0).collect();
        let groupings = [
            Grouping::All,
            Grouping::Levels {
                codes: s.region.codes(),
                levels: s.region.levels().len(),
            },
            Grouping::Levels {
                codes: s.across.codes(),
                levels: s.across.levels().len(),
            },
            Grouping::Mask(&mask),
        ];
        assert!(groupings[1]
            .level_per_cell(&design.strata, design.n_strata())
            .is_some());
        let binned = design.binary_moments_many(&s.y, &groupings);
        let direct = design.moments_many(&s.y, &groupings);
        for (g, (b, d)) in binned.iter().zip(&direct).enumerate() {
            assert_eq!(b.n, d.n, "grouping {g}: n");
            assert_eq!(b.rows, d.rows, "grouping {g}: rows");
            assert_close(&b.sum_w, &d.sum_w, "sum_w");
            assert_close(&b.sum_wy, &d.sum_wy, "sum_wy");
            assert_close(&b.e1, &d.e1, "e1");
            assert_close(&b.e0, &d.e0, "e0");
            assert_close(&b.r1, &d.r1, "r1");
            assert_close(&b.r0, &d.r0, "r0");
            let flat = |m: &Moments| -> Vec<f64> {
                m.strata
                    .iter()
                    .flat_map(|s| {
                        [
                            s.m11,
                            s.m10,
                            s.m00,
                            s.t1,
                            s.t0,
                            s.present as f64,
                            s.units as f64,
                        ]
                    })
                    .collect()
            };
            assert_close(&flat(b), &flat(d), "stratum moments");
        }
    }

    #[test]
    fn binned_moments_equal_row_by_row_moments_without_calibration() {
        let s = sample();
        check_binned_equals_row_by_row(&s.design, &s);
    }

    #[test]
    fn binned_moments_equal_row_by_row_moments_after_raking_and_trimming() {
        let s = sample();
        let margins = [
            margin("sex", &s.sex, &[52_000.0, 48_000.0]),
            margin("age", &s.age, &[30_000.0, 70_000.0]),
        ];
        let raked = s.design.rake(&margins, &RakeOptions::default()).unwrap();
        assert!(raked.weights_are_calibration_weights());
        check_binned_equals_row_by_row(&raked, &s);
        let trimmed = raked.trim_weights(None, Some(60.0), true).unwrap();
        assert!(!trimmed.weights_are_calibration_weights());
        check_binned_equals_row_by_row(&trimmed, &s);
    }

    #[test]
    fn centring_on_joint_cells_equals_centring_row_by_row() {
        let s = sample();
        let margins = [
            margin("sex", &s.sex, &[52_000.0, 48_000.0]),
            margin("age", &s.age, &[30_000.0, 70_000.0]),
            margin("region", &s.region, &[20_000.0, 30_000.0, 50_000.0]),
        ];
        let raked = s.design.rake(&margins, &RakeOptions::default()).unwrap();
        let post = s.design.post_stratify(&margins[2]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for design in [&raked, &post] {
            let cal = design.calibration.as_ref().unwrap();
            let joint = JointCells::of(cal, design.n_rows()).expect("12 joint cells");
            let score: Vec<f64> = (0..design.n_rows())
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect();
            let (mut rows, mut cells) = (score.clone(), score);
            centre_rows(cal, &mut rows);
            joint.centre(cal, &mut cells);
            assert_close(&cells, &rows, "centred score");
        }
    }

    #[test]
    fn a_tables_covariance_over_bins_equals_the_row_by_row_one() {
        let s = sample();
        let margins = [
            margin("sex", &s.sex, &[52_000.0, 48_000.0]),
            margin("age", &s.age, &[30_000.0, 70_000.0]),
            margin("region", &s.region, &[20_000.0, 30_000.0, 50_000.0]),
        ];
        let raked = s.design.rake(&margins, &RakeOptions::default()).unwrap();
        let trimmed = raked.trim_weights(None, Some(60.0), true).unwrap();
        let post = s.design.post_stratify(&margins[2]).unwrap();
        // A 2 × 4 table: the outcome (missing on some rows) by `across` (missing on others).
        let row_cells: Vec<Option<usize>> = (0..s.y.len())
            .map(|i| {
                let across = s.across.codes()[i];
                (!s.y[i].is_nan() && across != Categorical::MISSING)
                    .then(|| s.y[i] as usize + 2 * across as usize)
            })
            .collect();
        let cells = 2 * s.across.levels().len();
        for design in [&s.design, &raked, &trimmed, &post] {
            let mut cell_weight = vec![0.0; cells];
            for (i, cell) in row_cells.iter().enumerate() {
                if let Some(c) = cell {
                    cell_weight[*c] += design.weights[i];
                }
            }
            let total: f64 = cell_weight.iter().sum();
            let p: Vec<f64> = cell_weight.iter().map(|w| w / total).collect();
            let scores: Vec<Vec<f64>> = (0..cells)
                .map(|c| {
                    row_cells
                        .iter()
                        .zip(design.weights.iter())
                        .map(|(cell, w)| match cell {
                            None => 0.0,
                            Some(t) => w * (f64::from(u8::from(*t == c)) - p[c]) / total,
                        })
                        .collect()
                })
                .collect();
            let present = vec![true; design.n_strata()];
            let binned = design
                .table_covariance(&row_cells, &p, total, &present)
                .expect("an unclustered design has bins");
            let rows = design.influence_covariance(&scores, &present);
            let scale = rows.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (b, r) in binned.iter().zip(&rows) {
                assert!((b - r).abs() <= 1e-9 * scale, "{b} vs {r}");
            }
        }
        assert!(s
            .clustered
            .table_covariance(&row_cells, &[0.5; 8], 1.0, &[true; 6])
            .is_none());
    }

    #[test]
    fn binned_moments_equal_row_by_row_moments_after_post_stratification() {
        let s = sample();
        let post = s
            .design
            .post_stratify(&margin("age", &s.age, &[30_000.0, 70_000.0]))
            .unwrap();
        check_binned_equals_row_by_row(&post, &s);
    }

    /// The variance of a level-against-the-rest score from the moments (with the union's)
    /// must equal R's row-by-row computation, for every level of a variable that cuts across
    /// the cells (with missing codes) and of one the strata classify by.
    fn check_contrast_variances(design: &Design, s: &Sample) {
        let mut checked = 0;
        for column in [&s.across, &s.region, &s.sex] {
            let grouping = Grouping::Levels {
                codes: column.codes(),
                levels: column.levels().len(),
            };
            let m = design.contrast_moments(&s.y, &grouping);
            let u = m.union.as_ref().unwrap();
            assert_eq!(u.n, m.n.iter().sum::<usize>());
            for l in 0..column.levels().len() {
                let (w_level, w_rest) = (m.sum_w[l], u.sum_w - m.sum_w[l]);
                let (p_level, p_rest) = (m.sum_wy[l] / w_level, (u.sum_wy - m.sum_wy[l]) / w_rest);
                let score = Score {
                    alpha: 1.0 / w_level + 1.0 / w_rest,
                    beta: -(p_level / w_level + p_rest / w_rest),
                    union: Some((-1.0 / w_rest, p_rest / w_rest)),
                };
                let fast = design
                    .score_variance(&m, l, score)
                    .expect("no cancellation here");
                let direct = design.direct_score_variance(&s.y, &grouping, &m, l, score);
                assert!(
                    (fast - direct).abs() <= 1e-9 * direct,
                    "level {l}: moments {fast} vs row by row {direct}"
                );
                // A score without its union part is the level's own proportion.
                let own = Score::domain(1.0 / w_level, -p_level / w_level);
                let plain = design
                    .linearized_variance(&m, l, own.alpha, own.beta)
                    .unwrap();
                let direct = design.direct_score_variance(&s.y, &grouping, &m, l, own);
                assert!((plain - direct).abs() <= 1e-9 * direct);
                checked += 1;
            }
        }
        assert_eq!(checked, 3 + 3 + 2);
    }

    #[test]
    fn contrast_variances_from_moments_equal_row_by_row_ones() {
        let s = sample();
        let margins = [
            margin("sex", &s.sex, &[52_000.0, 48_000.0]),
            margin("age", &s.age, &[30_000.0, 70_000.0]),
        ];
        let age = margin("age", &s.age, &[30_000.0, 70_000.0]);
        for design in [&s.design, &s.clustered] {
            check_contrast_variances(design, &s);
            let raked = design.rake(&margins, &RakeOptions::default()).unwrap();
            check_contrast_variances(&raked, &s);
            let trimmed = raked.trim_weights(None, Some(60.0), true).unwrap();
            check_contrast_variances(&trimmed, &s);
            check_contrast_variances(&design.post_stratify(&age).unwrap(), &s);
        }
    }

    #[test]
    fn clustered_union_moments_count_points_not_rows() {
        let s = sample();
        let grouping = Grouping::Levels {
            codes: s.across.codes(),
            levels: s.across.levels().len(),
        };
        let m = s.clustered.contrast_moments(&s.y, &grouping);
        let u = m.union.as_ref().unwrap();
        // Every point of every stratum has someone with a known `across` who answered.
        assert_eq!(s.clustered.union_answering_df(u), 60 - 6);
        for l in 0..3 {
            assert_eq!(s.clustered.domain_df(&m, l), 60 - 6);
        }
        let unclustered = s.design.contrast_moments(&s.y, &grouping);
        let answered_known = (0..s.y.len())
            .filter(|&i| !s.y[i].is_nan() && s.across.codes()[i] != Categorical::MISSING)
            .count();
        let u = unclustered.union.as_ref().unwrap();
        assert_eq!(u.n, answered_known);
        assert_eq!(s.design.union_answering_df(u), answered_known - 6);
    }

    #[test]
    fn domain_df_counts_rows_without_an_answer() {
        let s = sample();
        let grouping = Grouping::Levels {
            codes: s.across.codes(),
            levels: s.across.levels().len(),
        };
        for m in [
            s.design
                .binary_moments_many(&s.y, std::slice::from_ref(&grouping)),
            s.design.moments_many(&s.y, std::slice::from_ref(&grouping)),
        ] {
            let m = &m[0];
            for l in 0..3 {
                let rows = s.across.counts()[l];
                assert_eq!(m.rows[l], rows);
                assert!(
                    m.n[l] < rows,
                    "the sample has missing answers in every level"
                );
                assert_eq!(s.design.domain_df(m, l), rows - 6);
            }
        }
    }
}
