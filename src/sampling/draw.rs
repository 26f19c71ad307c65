//! The draw: simple random sampling without replacement inside each stratum, from a seeded
//! cryptographically secure generator, reproducible on any machine.
//!
//! How a sample follows from (frame, allocation, seed), so anyone can re-derive it:
//! 1. The units of stratum h are taken in ascending resident-id order (byte order of the
//!    id text) — the order of [`Frame::units`].
//! 2. The stratum's generator is ChaCha20 (`rand_chacha::ChaCha20Rng::from_seed`) keyed
//!    with SHA-256 of `"tsunagari/sampling/v1\0"` ‖ seed as 8 little-endian bytes ‖ the
//!    stratum label in UTF-8. Each stratum has its own stream, so a stratum's sample
//!    depends only on the seed, its label and its members — not on the other strata or
//!    on the order strata are listed in.
//! 3. A partial Fisher–Yates shuffle picks n_h of the N_h units: for i = 0 … n_h − 1,
//!    j = i + U(N_h − i), swap positions i and j; the first n_h positions are the sample.
//!    U(k) is a uniform integer in 0 … k − 1 from the generator's 64-bit outputs by
//!    Lemire's multiply-and-reject method, so it is exactly uniform and uses no
//!    platform-dependent `usize` arithmetic or library sampling routine that could change.
//!
//! Every sampled unit carries its stratum, N_h, n_h, π_h = n_h / N_h and the base weight
//! N_h / n_h: that is the design the estimates need.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::questionnaire::Lang;

use super::allocation::Allocation;
use super::frame::Frame;

/// Domain separation for the per-stratum key derivation (step 2 above).
const KEY_DERIVATION_PREFIX: &[u8] = b"tsunagari/sampling/v1\0";

/// The seed of a draw, shown to staff and stored with the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seed(pub u64);

impl Seed {
    /// A fresh seed from the operating system's random source.
    pub fn generate() -> Seed {
        Seed(rand::rngs::OsRng.next_u64())
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A seed that is not a whole number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("seed `{0}` is not a whole number between 0 and 18446744073709551615")]
pub struct BadSeed(pub String);

impl FromStr for Seed {
    type Err = BadSeed;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let folded = super::text::fold_width(text.trim()).replace(['_', ','], "");
        folded
            .parse()
            .map(Seed)
            .map_err(|_| BadSeed(text.trim().to_string()))
    }
}

/// One sampled resident with the design it was drawn under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampledUnit {
    /// Resident id.
    pub resident_id: String,
    /// Index of the resident in the input the frame was built from.
    pub source_index: usize,
    /// Index into [`Sample::strata`] (and [`Frame::strata`]).
    pub stratum: usize,
    /// N_h.
    pub population: u64,
    /// n_h.
    pub size: u64,
}

impl SampledUnit {
    /// π_h = n_h / N_h.
    pub fn inclusion_probability(&self) -> f64 {
        self.size as f64 / self.population as f64
    }

    /// Base weight N_h / n_h.
    pub fn base_weight(&self) -> f64 {
        self.population as f64 / self.size as f64
    }
}

/// The design numbers of one stratum, for staff to see and download.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumSummary {
    /// Stratum label.
    pub label: String,
    /// N_h.
    pub population: u64,
    /// n_h.
    pub size: u64,
    /// π_h = n_h / N_h.
    pub inclusion_probability: f64,
    /// N_h / n_h.
    pub base_weight: f64,
}

/// A drawn sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The seed it was drawn with.
    pub seed: Seed,
    /// Sampled residents, by stratum then resident id.
    pub units: Vec<SampledUnit>,
    /// Per-stratum design numbers, in frame order.
    pub strata: Vec<StratumSummary>,
}

impl Sample {
    /// The per-stratum summary as CSV (UTF-8 with BOM so Excel shows the labels):
    /// `stratum,N_h,n_h,pi_h,base_weight`. Staff can edit the `n_h` column and read the file
    /// back with [`super::allocation::parse_explicit_sizes`] as an explicit allocation.
    pub fn summary_csv(&self) -> String {
        let mut text = format!(
            "{}stratum,N_h,n_h,pi_h,base_weight\r\n",
            crate::csv_text::UTF8_BOM
        );
        for stratum in &self.strata {
            let label = crate::csv_text::field(&stratum.label);
            text.push_str(&format!(
                "{},{},{},{:.10},{:.6}\r\n",
                label,
                stratum.population,
                stratum.size,
                stratum.inclusion_probability,
                stratum.base_weight
            ));
        }
        text
    }
}

/// Why a draw could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrawError {
    /// The allocation was made for other strata.
    #[error("the allocation does not match the frame (stratum {index}: frame has `{frame_label}` with {frame_population} residents, allocation has `{allocation_label}` with {allocation_population}); allocate again for this frame")]
    AllocationMismatch {
        /// Stratum position.
        index: usize,
        /// Label in the frame.
        frame_label: String,
        /// N_h in the frame.
        frame_population: u64,
        /// Label in the allocation.
        allocation_label: String,
        /// N_h in the allocation.
        allocation_population: u64,
    },
    /// Strata counts differ.
    #[error("the frame has {frame} strata but the allocation {allocation}; allocate again for this frame")]
    StrataCountMismatch {
        /// H in the frame.
        frame: usize,
        /// H in the allocation.
        allocation: usize,
    },
    /// n_h > N_h or n_h = 0.
    #[error("stratum `{label}` cannot give {size} of its {population} residents")]
    BadSize {
        /// Stratum label.
        label: String,
        /// N_h.
        population: u64,
        /// n_h.
        size: u64,
    },
}

impl DrawError {
    /// Why the draw cannot be made, in `lang` (English is the `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            DrawError::AllocationMismatch { .. } | DrawError::StrataCountMismatch { .. } => {
                "配分がこの名簿の層と合いません。この名簿で配分し直してください。".into()
            }
            DrawError::BadSize {
                label,
                population,
                size,
            } => format!("層「{label}」の{population}人から{size}人は抽出できません。"),
        }
    }
}

impl BadSeed {
    /// The refusal in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!(
                "乱数の種「{}」が 0 から 18446744073709551615 までの整数ではありません。",
                self.0
            ),
            Lang::En => self.to_string(),
        }
    }
}

/// Draws the sample: SRSWOR of n_h in each stratum (see the module documentation).
pub fn draw_sample(
    frame: &Frame,
    allocation: &Allocation,
    seed: Seed,
) -> Result<Sample, DrawError> {
    if frame.strata.len() != allocation.strata.len() {
        return Err(DrawError::StrataCountMismatch {
            frame: frame.strata.len(),
            allocation: allocation.strata.len(),
        });
    }
    for (index, (stratum, allocated)) in frame.strata.iter().zip(&allocation.strata).enumerate() {
        if stratum.label != allocated.label || stratum.population != allocated.population {
            return Err(DrawError::AllocationMismatch {
                index,
                frame_label: stratum.label.clone(),
                frame_population: stratum.population,
                allocation_label: allocated.label.clone(),
                allocation_population: allocated.population,
            });
        }
        if allocated.size == 0 || allocated.size > allocated.population {
            return Err(DrawError::BadSize {
                label: allocated.label.clone(),
                population: allocated.population,
                size: allocated.size,
            });
        }
    }

    // Unit positions per stratum, each list in resident-id order because the frame is.
    let mut members: Vec<Vec<u32>> = frame
        .strata
        .iter()
        .map(|s| Vec::with_capacity(s.population as usize))
        .collect();
    for (position, unit) in frame.units.iter().enumerate() {
        members[unit.stratum].push(position as u32);
    }

    let mut units = Vec::with_capacity(allocation.total() as usize);
    for (stratum_index, (allocated, mut positions)) in
        allocation.strata.iter().zip(members).enumerate()
    {
        let mut rng = stratum_rng(seed, &allocated.label);
        let chosen = partial_shuffle(&mut positions, allocated.size as usize, &mut rng);
        chosen.sort_unstable();
        units.extend(chosen.iter().map(|&position| {
            let unit = &frame.units[position as usize];
            SampledUnit {
                resident_id: unit.resident_id.clone(),
                source_index: unit.source_index,
                stratum: stratum_index,
                population: allocated.population,
                size: allocated.size,
            }
        }));
    }
    let strata = allocation
        .strata
        .iter()
        .map(|s| StratumSummary {
            label: s.label.clone(),
            population: s.population,
            size: s.size,
            inclusion_probability: s.size as f64 / s.population as f64,
            base_weight: s.population as f64 / s.size as f64,
        })
        .collect();
    Ok(Sample {
        seed,
        units,
        strata,
    })
}

/// The generator of one stratum (step 2 of the module documentation).
pub fn stratum_rng(seed: Seed, label: &str) -> ChaCha20Rng {
    let mut hasher = Sha256::new();
    hasher.update(KEY_DERIVATION_PREFIX);
    hasher.update(seed.0.to_le_bytes());
    hasher.update(label.as_bytes());
    ChaCha20Rng::from_seed(hasher.finalize().into())
}

/// Moves a uniformly random `count`-subset of `items` to the front and returns it
/// (partial Fisher–Yates). `count` must not exceed `items.len()`.
pub fn partial_shuffle<'a, T>(
    items: &'a mut [T],
    count: usize,
    rng: &mut impl RngCore,
) -> &'a mut [T] {
    let count = count.min(items.len());
    let length = items.len() as u64;
    for i in 0..count {
        let j = i as u64 + uniform_below(rng, length - i as u64);
        items.swap(i, j as usize);
    }
    &mut items[..count]
}

/// A uniform integer in `0..bound` (bound ≥ 1) by Lemire's multiply-and-reject method.
pub fn uniform_below(rng: &mut impl RngCore, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    // 2^64 mod bound: products whose low half falls below it would over-represent some values.
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        if (product as u64) >= threshold {
            return (product >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_read_with_digit_grouping_and_full_width_digits() {
        assert_eq!("20221201".parse(), Ok(Seed(20221201)));
        assert_eq!("20_221_201".parse(), Ok(Seed(20221201)));
        assert_eq!("２０２２".parse(), Ok(Seed(2022)));
        assert!("-1".parse::<Seed>().is_err());
        assert!("abc".parse::<Seed>().is_err());
    }

    #[test]
    fn the_stratum_generator_is_fixed_by_seed_and_label() {
        let mut a = stratum_rng(Seed(7), "北部");
        let mut b = stratum_rng(Seed(7), "北部");
        let mut c = stratum_rng(Seed(7), "南部");
        let mut d = stratum_rng(Seed(8), "北部");
        let first = a.next_u64();
        assert_eq!(first, b.next_u64());
        assert_ne!(first, c.next_u64());
        assert_ne!(first, d.next_u64());
    }

    #[test]
    fn uniform_below_stays_in_range_and_reaches_every_value() {
        let mut rng = stratum_rng(Seed(1), "test");
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let value = uniform_below(&mut rng, 7);
            assert!(value < 7);
            seen[value as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform_below(&mut rng, 1), 0);
    }

    #[test]
    fn a_full_shuffle_is_a_permutation() {
        let mut rng = stratum_rng(Seed(3), "test");
        let mut items: Vec<u32> = (0..50).collect();
        let chosen = partial_shuffle(&mut items, 50, &mut rng).to_vec();
        let mut sorted = chosen.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(chosen, sorted);
    }
}
