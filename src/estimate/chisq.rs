//! Rao–Scott adjusted chi-square test of independence for a two-way table (R's
//! `svychisq(~rows + cols, design)`, default statistic "F").

use super::columns::Categorical;
use super::design::Design;
use super::distributions::f_upper_tail;
use super::{EstimateError, Result};

/// Result of the Rao–Scott second-order (F) test.
#[derive(Debug, Clone, PartialEq)]
pub struct RaoScottTest {
    /// Pearson's X² on the weighted table rescaled to the design's number of rows, as R's
    /// `svychisq` does (`svytable(Ntotal = nrow(design))`: respondents who left either
    /// question unanswered included). The adjusted `f` does not depend on this scale.
    pub pearson: f64,
    /// The adjusted statistic F = X² / tr(Δ).
    pub f: f64,
    /// Numerator degrees of freedom d₀ = tr(Δ)² / tr(Δ²).
    pub ndf: f64,
    /// Denominator degrees of freedom d₀ × design df.
    pub ddf: f64,
    /// P(F > f).
    pub p_value: f64,
    /// Respondents in the table (both variables answered).
    pub n: usize,
}

impl Design {
    /// Tests independence of `rows` and `cols` over respondents who answered both.
    pub fn chisq(&self, rows: &Categorical, cols: &Categorical) -> Result<RaoScottTest> {
        self.check_rows("rows", rows.len())?;
        self.check_rows("cols", cols.len())?;
        let n_rows = self.n_rows();
        let complete: Vec<bool> = (0..n_rows)
            .map(|i| {
                rows.codes()[i] != Categorical::MISSING && cols.codes()[i] != Categorical::MISSING
            })
            .collect();
        // Levels that occur among complete rows, renumbered densely.
        let dense = |column: &Categorical| {
            let mut used = vec![false; column.levels().len()];
            for (i, &c) in column.codes().iter().enumerate() {
                if complete[i] {
                    used[c as usize] = true;
                }
            }
            let mut map = vec![u32::MAX; used.len()];
            let mut next = 0;
            for (c, &u) in used.iter().enumerate() {
                if u {
                    map[c] = next;
                    next += 1;
                }
            }
            (map, next as usize)
        };
        let (row_map, nr) = dense(rows);
        let (col_map, nc) = dense(cols);
        if nr < 2 || nc < 2 {
            return Err(EstimateError::DegenerateTable { rows: nr, cols: nc });
        }
        let cells = nr * nc;
        let cell_of = |i: usize| {
            row_map[rows.codes()[i] as usize] as usize
                + nr * col_map[cols.codes()[i] as usize] as usize
        };
        // The cell of every complete row, worked out once for all the score columns.
        let row_cells: Vec<Option<usize>> = (0..n_rows)
            .map(|i| complete[i].then(|| cell_of(i)))
            .collect();
        let mut cell_weight = vec![0.0; cells];
        let mut total_weight = 0.0;
        let mut n = 0;
        for (i, cell) in row_cells.iter().enumerate() {
            if let Some(cell) = cell {
                cell_weight[*cell] += self.weights[i];
                total_weight += self.weights[i];
                n += 1;
            }
        }
        let p: Vec<f64> = cell_weight.iter().map(|w| w / total_weight).collect();
        let present: Vec<bool> = if self.is_calibrated() {
            vec![true; self.n_strata()]
        } else {
            let mut present = vec![false; self.n_strata()];
            for i in (0..n_rows).filter(|&i| complete[i]) {
                present[self.strata[i] as usize] = true;
            }
            present
        };
        // Summed over bins where the design allows, else row by row over the influence of
        // each cell proportion: w (1[cell] − p) / W on complete rows.
        let v = match self.table_covariance(&row_cells, &p, total_weight, &present) {
            Some(v) => v,
            None => {
                let scores: Vec<Vec<f64>> = (0..cells)
                    .map(|cell| {
                        row_cells
                            .iter()
                            .zip(self.weights.iter())
                            .map(|(row_cell, w)| match row_cell {
                                None => 0.0,
                                Some(c) => {
                                    let indicator = if *c == cell { 1.0 } else { 0.0 };
                                    w * (indicator - p[cell]) / total_weight
                                }
                            })
                            .collect()
                    })
                    .collect();
                self.influence_covariance(&scores, &present)
            }
        };

        // R scales the weighted table to N = nrow(design), missing answers included; X² and
        // tr(Δ) both scale with N, so F, its df and p do not.
        let n_f = n_rows as f64;
        let row_p: Vec<f64> = (0..nr)
            .map(|r| (0..nc).map(|c| p[r + nr * c]).sum())
            .collect();
        let col_p: Vec<f64> = (0..nc)
            .map(|c| (0..nr).map(|r| p[r + nr * c]).sum())
            .collect();
        let mut pearson = 0.0;
        for r in 0..nr {
            for c in 0..nc {
                let expected = n_f * row_p[r] * col_p[c];
                let observed = n_f * p[r + nr * c];
                pearson += (observed - expected).powi(2) / expected;
            }
        }

        // Interaction contrasts, made orthogonal to the main effects.
        let main: Vec<Vec<f64>> = std::iter::once(vec![1.0; cells])
            .chain((1..nr).map(|r| (0..cells).map(|k| f64::from(k % nr == r)).collect()))
            .chain((1..nc).map(|c| (0..cells).map(|k| f64::from(k / nr == c)).collect()))
            .collect();
        let contrasts: Vec<Vec<f64>> = (1..nc)
            .flat_map(|c| (1..nr).map(move |r| (r, c)))
            .map(|(r, c)| {
                let column: Vec<f64> = (0..cells).map(|k| f64::from(k == r + nr * c)).collect();
                residual_on(&main, &column)
            })
            .collect();
        let d = contrasts.len();
        let inverse_p: Vec<f64> = p
            .iter()
            .map(|&x| if x == 0.0 { 0.0 } else { 1.0 / x })
            .collect();
        let mut denominator = vec![0.0; d * d];
        let mut numerator = vec![0.0; d * d];
        for a in 0..d {
            for b in 0..d {
                denominator[a * d + b] = (0..cells)
                    .map(|k| contrasts[a][k] * inverse_p[k] * contrasts[b][k] / n_f)
                    .sum();
                let mut s = 0.0;
                for k in 0..cells {
                    let left = contrasts[a][k] * inverse_p[k];
                    if left == 0.0 {
                        continue;
                    }
                    for l in 0..cells {
                        s += left * v[k * cells + l] * inverse_p[l] * contrasts[b][l];
                    }
                }
                numerator[a * d + b] = s;
            }
        }
        let delta = solve(&denominator, &numerator, d);
        let trace: f64 = (0..d).map(|a| delta[a * d + a]).sum();
        let trace_sq: f64 = (0..d)
            .flat_map(|a| (0..d).map(move |b| (a, b)))
            .map(|(a, b)| delta[a * d + b] * delta[b * d + a])
            .sum();
        let ndf = trace * trace / trace_sq;
        let ddf = ndf * self.degrees_of_freedom() as f64;
        let f = pearson / trace;
        Ok(RaoScottTest {
            pearson,
            f,
            ndf,
            ddf,
            p_value: f_upper_tail(f, ndf, ddf),
            n,
        })
    }
}

/// Residual of `y` after least squares on the columns of `x`.
fn residual_on(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let k = x.len();
    let mut gram = vec![0.0; k * k];
    let mut rhs = vec![0.0; k];
    for a in 0..k {
        for b in 0..k {
            gram[a * k + b] = x[a].iter().zip(&x[b]).map(|(u, v)| u * v).sum();
        }
        rhs[a] = x[a].iter().zip(y).map(|(u, v)| u * v).sum();
    }
    let coef = solve(&gram, &rhs, k);
    y.iter()
        .enumerate()
        .map(|(i, &v)| v - (0..k).map(|a| coef[a] * x[a][i]).sum::<f64>())
        .collect()
}

/// Solves A X = B for square A (k × k, row-major) by Gauss–Jordan elimination with partial
/// pivoting; B has k rows and any number of columns (row-major).
fn solve(a: &[f64], b: &[f64], k: usize) -> Vec<f64> {
    let m = b.len() / k;
    let mut a = a.to_vec();
    let mut x = b.to_vec();
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&i, &j| a[i * k + col].abs().total_cmp(&a[j * k + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for c in 0..k {
                a.swap(col * k + c, pivot * k + c);
            }
            for c in 0..m {
                x.swap(col * m + c, pivot * m + c);
            }
        }
        let diagonal = a[col * k + col];
        if diagonal == 0.0 {
            continue;
        }
        for row in 0..k {
            if row == col {
                continue;
            }
            let factor = a[row * k + col] / diagonal;
            if factor == 0.0 {
                continue;
            }
            for c in 0..k {
                a[row * k + c] -= factor * a[col * k + c];
            }
            for c in 0..m {
                x[row * m + c] -= factor * x[col * m + c];
            }
        }
    }
    for row in 0..k {
        let diagonal = a[row * k + row];
        for c in 0..m {
            x[row * m + c] /= diagonal;
        }
    }
    x
}
