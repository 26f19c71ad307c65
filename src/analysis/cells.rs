//! Table cells and the two kinds of blank, never confused.
//!
//! *Privacy*: fewer than [`MIN_CELL`] respondents, plus complementary suppression so that no
//! withheld cell follows from the others or from the total. A privacy-withheld cell keeps no
//! numbers at all — not in memory, so no page, chart or download can show them — and this
//! cannot be switched off.
//!
//! *Reliability*: the NCHS presentation standards for proportions (n_eff < 30, interval too
//! wide, …). Such a cell is shown as 参考値 (reference value) with its reason on working pages
//! and withheld in the publication view.

use crate::estimate::{DifferenceTest, ProportionEstimate, SuppressReason};
use crate::questionnaire::{Lang, Text};

/// Fewer respondents than this in a cell and nothing about it is shown.
pub const MIN_CELL: usize = 10;

/// Why a cell is withheld for privacy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Fewer than [`MIN_CELL`] respondents answered in the cell.
    FewRespondents,
    /// Withheld so that another withheld cell cannot be worked out from the rest.
    Complementary,
    /// Nobody in the cell answered.
    NoRespondents,
}

impl Privacy {
    /// Code in downloads.
    pub fn code(self) -> &'static str {
        match self {
            Privacy::FewRespondents => "withheld:n<10",
            Privacy::Complementary => "withheld:complementary",
            Privacy::NoRespondents => "withheld:no_respondents",
        }
    }

    /// The mark shown in place of the number.
    pub fn mark(self) -> &'static str {
        match self {
            Privacy::FewRespondents => "＊",
            Privacy::Complementary => "＊＊",
            Privacy::NoRespondents => "－",
        }
    }

    /// Why, for a reader.
    pub fn explain(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Privacy::FewRespondents, Lang::Ja) => "回答者が10人未満のため非表示（個人の回答が推測されないように）",
            (Privacy::FewRespondents, Lang::En) => "Fewer than 10 respondents: withheld so that no individual's answer can be inferred",
            (Privacy::Complementary, Lang::Ja) => "他の非表示の値が差し引きで分からないように、あわせて非表示",
            (Privacy::Complementary, Lang::En) => "Withheld as well, so that another withheld value cannot be worked out by subtraction",
            (Privacy::NoRespondents, Lang::Ja) => "この区分の回答者はいません",
            (Privacy::NoRespondents, Lang::En) => "Nobody in this group answered",
        }
    }
}

/// Why a shown value is only a reference value (NCHS presentation standards).
pub fn reliability_reason(reason: SuppressReason, lang: Lang) -> &'static str {
    match (reason, lang) {
        (SuppressReason::EffectiveSampleSizeBelow30, Lang::Ja) => "有効標本数が30未満",
        (SuppressReason::EffectiveSampleSizeBelow30, Lang::En) => "effective sample size under 30",
        (SuppressReason::NoConfidenceInterval, Lang::Ja) => "信頼区間が計算できない",
        (SuppressReason::NoConfidenceInterval, Lang::En) => {
            "no confidence interval can be computed"
        }
        (SuppressReason::WideInterval, Lang::Ja) => "信頼区間の幅が30ポイント以上",
        (SuppressReason::WideInterval, Lang::En) => "confidence interval 30 points wide or more",
        (SuppressReason::WideRelativeInterval, Lang::Ja) => "信頼区間の幅が推定値の130%超",
        (SuppressReason::WideRelativeInterval, Lang::En) => {
            "confidence interval wider than 130% of the estimate"
        }
        (SuppressReason::FewerThanTenRespondents, Lang::Ja) => "回答者が10人未満",
        (SuppressReason::FewerThanTenRespondents, Lang::En) => "fewer than 10 respondents",
    }
}

/// Which cells a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Working pages: reference values shown, marked 参考値 with their reason.
    #[default]
    Working,
    /// For publication: reference values withheld too.
    Publication,
}

impl View {
    /// Parses `working` or `publication` (a query parameter).
    pub fn parse(value: &str) -> Option<View> {
        match value {
            "working" => Some(View::Working),
            "publication" => Some(View::Publication),
            _ => None,
        }
    }

    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Working => "working",
            View::Publication => "publication",
        }
    }
}

/// Whether a cell's rate differs from the rest of the population, by the design-based test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Higher,
    Lower,
}

/// One cell of a table.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The level's label.
    pub label: Text,
    /// Respondents in the cell with an answer.
    pub n: usize,
    /// The numbers; always `None` when `privacy` is set.
    pub estimate: Option<ProportionEstimate>,
    /// Set when the cell is withheld for privacy.
    pub privacy: Option<Privacy>,
    /// This cell against the rest of the population (none for withheld cells).
    pub versus_rest: Option<DifferenceTest>,
}

impl Cell {
    /// A cell from the engine's estimate, withheld when it has fewer than ten respondents.
    pub fn new(label: Text, n: usize, estimate: Option<ProportionEstimate>) -> Cell {
        let privacy = match &estimate {
            None => Some(Privacy::NoRespondents),
            Some(_) if n < MIN_CELL => Some(Privacy::FewRespondents),
            Some(_) => None,
        };
        Cell {
            label,
            n,
            estimate: if privacy.is_some() { None } else { estimate },
            privacy,
            versus_rest: None,
        }
    }

    /// The estimate if `view` shows it.
    pub fn shown(&self, view: View) -> Option<&ProportionEstimate> {
        let estimate = self.estimate.as_ref()?;
        match (view, estimate.presentation.suppress) {
            (View::Publication, Some(_)) => None,
            _ => Some(estimate),
        }
    }

    /// Whether the cell's rate is significantly higher or lower than the rest's at `alpha`.
    pub fn direction(&self, alpha: f64) -> Option<Direction> {
        let test = self.versus_rest.as_ref()?;
        (test.p_value < alpha).then_some(if test.difference > 0.0 {
            Direction::Higher
        } else {
            Direction::Lower
        })
    }

    /// Withholds the cell for privacy, dropping its numbers.
    fn withhold(&mut self, why: Privacy) {
        self.privacy = Some(why);
        self.estimate = None;
        self.versus_rest = None;
    }
}

/// When exactly one cell of a group of cells that adds up to a shown total is withheld, the
/// smallest shown cell is withheld too: otherwise the hidden value would be the total minus
/// the others. Cells without respondents count as known (they reveal nothing).
pub fn complementary_suppression(cells: &mut [&mut Cell]) {
    let withheld = cells
        .iter()
        .filter(|c| {
            matches!(
                c.privacy,
                Some(Privacy::FewRespondents | Privacy::Complementary)
            )
        })
        .count();
    if withheld != 1 {
        return;
    }
    if let Some(smallest) = cells
        .iter_mut()
        .filter(|c| c.privacy.is_none())
        .min_by_key(|c| c.n)
    {
        smallest.withhold(Privacy::Complementary);
    }
}

/// Complementary suppression over a one-way table.
pub fn suppress_one_way(cells: &mut [Cell]) {
    let mut refs: Vec<&mut Cell> = cells.iter_mut().collect();
    complementary_suppression(&mut refs);
}

/// Complementary suppression over a two-way table (`rows × cols` cells, row-major): every row
/// and every column, repeated until nothing changes.
pub fn suppress_two_way(cells: &mut [Cell], rows: usize, cols: usize) {
    loop {
        let before = cells.iter().filter(|c| c.privacy.is_some()).count();
        for r in 0..rows {
            let mut row: Vec<&mut Cell> = cells[r * cols..(r + 1) * cols].iter_mut().collect();
            complementary_suppression(&mut row);
        }
        for c in 0..cols {
            let mut col: Vec<&mut Cell> = cells.iter_mut().skip(c).step_by(cols).collect();
            complementary_suppression(&mut col);
        }
        if cells.iter().filter(|c| c.privacy.is_some()).count() == before {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(n: usize, withheld: bool) -> Cell {
        Cell {
            label: Text::new("x", "x"),
            n,
            estimate: None,
            privacy: withheld.then_some(Privacy::FewRespondents),
            versus_rest: None,
        }
    }

    #[test]
    fn a_lone_small_cell_takes_the_smallest_other_cell_with_it() {
        let mut cells = vec![cell(50, false), cell(5, true), cell(30, false)];
        suppress_one_way(&mut cells);
        assert_eq!(cells[0].privacy, None);
        assert_eq!(cells[2].privacy, Some(Privacy::Complementary));
        // Two withheld already: nothing more to do.
        suppress_one_way(&mut cells);
        assert_eq!(cells[0].privacy, None);
    }

    #[test]
    fn a_two_way_table_never_has_a_lone_withheld_cell_in_a_row_or_column() {
        // 3 × 3 with one small cell in the middle.
        let mut cells: Vec<Cell> = (0..9).map(|i| cell(20 + i, i == 4)).collect();
        suppress_two_way(&mut cells, 3, 3);
        for r in 0..3 {
            let withheld = (0..3)
                .filter(|c| cells[r * 3 + c].privacy.is_some())
                .count();
            assert_ne!(withheld, 1, "row {r}");
        }
        for c in 0..3 {
            let withheld = (0..3)
                .filter(|r| cells[r * 3 + c].privacy.is_some())
                .count();
            assert_ne!(withheld, 1, "column {c}");
        }
    }

    #[test]
    fn fewer_than_ten_respondents_keep_no_numbers() {
        let estimate = ProportionEstimate {
            n: 6,
            estimate: 0.82,
            se: 0.1,
            ci: Some((0.5, 0.95)),
            total: 100.0,
            total_se: 10.0,
            deff: None,
            n_eff: 6.0,
            df: 5,
            presentation: crate::estimate::Presentation::assess(6, 0.82, 6.0, None, 5),
        };
        let c = Cell::new(Text::new("a", "a"), 6, Some(estimate));
        assert_eq!(c.privacy, Some(Privacy::FewRespondents));
        assert!(c.estimate.is_none());
        assert!(c.shown(View::Working).is_none());
    }
}
