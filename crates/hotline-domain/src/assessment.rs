//! Assessment (考评): response, resolution and satisfaction rates (三率) per unit per month, a
//! weighted score and rankings within each unit class. Beijing's official formulas are not public
//! (domain.md §7.2): the scheme is configuration, and these defaults are working definitions.

use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

/// How rates become a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    /// Weights of the response, resolution and satisfaction rates (they need not sum to 1).
    pub weights: [f64; 3],
    /// What a "partly resolved" answer counts as (0–1).
    pub partly_resolved: f64,
    /// What "basically satisfied" counts as (0–1).
    pub basically_satisfied: f64,
    /// A unit with fewer evaluated orders in the month is listed but not ranked.
    pub min_volume: u64,
    /// The centre's exclusions this scheme honours: orders excluded for these reasons are left out
    /// of every rate (and counted apart).
    #[serde(default = "all_exclusions")]
    pub exclusions: Vec<crate::handling::Exclusion>,
}

fn all_exclusions() -> Vec<crate::handling::Exclusion> {
    crate::handling::Exclusion::ALL.to_vec()
}

impl Default for Scheme {
    /// 30/35/35 (the only published example, not Beijing's), partly resolved ½, basically satisfied
    /// counted as satisfied, at least 5 evaluated orders to be ranked.
    fn default() -> Self {
        Self { weights: [0.30, 0.35, 0.35], partly_resolved: 0.5, basically_satisfied: 1.0, min_volume: 5, exclusions: all_exclusions() }
    }
}

/// What the callbacks of one unit's orders in a month said, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCounts {
    pub unit: UnitId,
    /// Evaluated orders (the denominator of all three rates).
    pub evaluated: u64,
    /// The requester says the unit contacted them.
    pub contacted: u64,
    pub resolved: u64,
    pub partly_resolved: u64,
    pub satisfied: u64,
    pub basically_satisfied: u64,
    /// Set when these orders were excluded by the centre for this reason (the store counts them
    /// apart; the scheme decides whether the exclusion applies).
    #[serde(default)]
    pub exclusion: Option<crate::handling::Exclusion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    pub counts: UnitCounts,
    pub response_rate: f64,
    pub resolution_rate: f64,
    pub satisfaction_rate: f64,
    /// Weighted score, 0–100 when the weights sum to 1.
    pub score: f64,
    /// 1 = best, among the units with enough volume in the same list; `None` when not ranked.
    pub rank: Option<u32>,
}

impl Scheme {
    /// Checks a scheme an administrator submits.
    pub fn validate(&self) -> Result<(), crate::ValidationError> {
        let fraction = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if !self.weights.iter().all(|w| fraction(*w)) || self.weights.iter().sum::<f64>() <= 0.0 {
            return Err(crate::ValidationError::new(
                "weights",
                "invalid_weights",
                "权重须在 0 到 1 之间且不全为 0",
                "Weights are between 0 and 1, not all 0",
            ));
        }
        if !fraction(self.partly_resolved) || !fraction(self.basically_satisfied) {
            return Err(crate::ValidationError::new(
                "partly_resolved",
                "invalid_fraction",
                "部分解决、基本满意的折算须在 0 到 1 之间",
                "Partly resolved and basically satisfied count between 0 and 1",
            ));
        }
        if self.min_volume > 100_000 {
            return Err(crate::ValidationError::new(
                "min_volume",
                "invalid_min_volume",
                "最低排名件数过大",
                "The minimum volume is too large",
            ));
        }
        Ok(())
    }

    /// Sums the counts of one unit that this scheme assesses: rows excluded for a reason it honours
    /// are returned apart (their evaluated count).
    pub fn assessed(&self, rows: &[UnitCounts]) -> (Vec<UnitCounts>, Vec<(UnitId, u64)>) {
        let mut kept: Vec<UnitCounts> = Vec::new();
        let mut excluded: Vec<(UnitId, u64)> = Vec::new();
        for r in rows {
            if r.exclusion.is_some_and(|e| self.exclusions.contains(&e)) {
                match excluded.iter_mut().find(|(u, _)| *u == r.unit) {
                    Some((_, n)) => *n += r.evaluated,
                    None => excluded.push((r.unit, r.evaluated)),
                }
                continue;
            }
            match kept.iter_mut().find(|k| k.unit == r.unit) {
                Some(k) => {
                    k.evaluated += r.evaluated;
                    k.contacted += r.contacted;
                    k.resolved += r.resolved;
                    k.partly_resolved += r.partly_resolved;
                    k.satisfied += r.satisfied;
                    k.basically_satisfied += r.basically_satisfied;
                }
                None => kept.push(UnitCounts { exclusion: None, ..*r }),
            }
        }
        (kept, excluded)
    }

    pub fn score(&self, c: &UnitCounts) -> UnitScore {
        let n = c.evaluated.max(1) as f64;
        let response_rate = c.contacted as f64 / n;
        let resolution_rate = (c.resolved as f64 + self.partly_resolved * c.partly_resolved as f64) / n;
        let satisfaction_rate = (c.satisfied as f64 + self.basically_satisfied * c.basically_satisfied as f64) / n;
        let [wr, ws, wm] = self.weights;
        let score = 100.0 * (wr * response_rate + ws * resolution_rate + wm * satisfaction_rate);
        UnitScore { counts: *c, response_rate, resolution_rate, satisfaction_rate, score, rank: None }
    }

    /// Scores a list of units (one unit class) and ranks those with enough volume: best score first,
    /// ties share a rank (competition ranking: 1, 1, 3).
    pub fn rank(&self, units: &[UnitCounts]) -> Vec<UnitScore> {
        let mut scores: Vec<UnitScore> = units.iter().map(|c| self.score(c)).collect();
        scores.sort_by(|a, b| {
            let ranked = |s: &UnitScore| s.counts.evaluated >= self.min_volume;
            ranked(b).cmp(&ranked(a)).then(b.score.total_cmp(&a.score)).then(a.counts.unit.0.cmp(&b.counts.unit.0))
        });
        let mut last: Option<(f64, u32)> = None;
        for (i, s) in scores.iter_mut().enumerate() {
            if s.counts.evaluated < self.min_volume {
                continue;
            }
            let rank = match last {
                Some((score, rank)) if (score - s.score).abs() < 1e-9 => rank,
                _ => i as u32 + 1,
            };
            s.rank = Some(rank);
            last = Some((s.score, rank));
        }
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(unit: i64, evaluated: u64, contacted: u64, resolved: u64, partly: u64, satisfied: u64, basic: u64) -> UnitCounts {
        UnitCounts {
            unit: UnitId(unit),
            evaluated,
            contacted,
            resolved,
            partly_resolved: partly,
            satisfied,
            basically_satisfied: basic,
            exclusion: None,
        }
    }

    #[test]
    fn rates_and_score_by_hand() {
        let s = Scheme::default().score(&counts(1, 10, 9, 6, 2, 5, 3));
        assert!((s.response_rate - 0.9).abs() < 1e-12);
        assert!((s.resolution_rate - 0.7).abs() < 1e-12, "(6 + 0.5·2) / 10");
        assert!((s.satisfaction_rate - 0.8).abs() < 1e-12, "(5 + 3) / 10");
        assert!((s.score - (30.0 * 0.9 + 35.0 * 0.7 + 35.0 * 0.8)).abs() < 1e-9);
    }

    #[test]
    fn ranking_puts_the_best_first_shares_ties_and_leaves_small_units_unranked() {
        let ranked = Scheme::default().rank(&[
            counts(1, 10, 10, 10, 0, 10, 0),
            counts(2, 10, 9, 6, 2, 5, 3),
            counts(3, 3, 3, 3, 0, 3, 0),
            counts(4, 10, 9, 6, 2, 5, 3),
        ]);
        let order: Vec<(i64, Option<u32>)> = ranked.iter().map(|s| (s.counts.unit.0, s.rank)).collect();
        assert_eq!(order, [(1, Some(1)), (2, Some(2)), (4, Some(2)), (3, None)]);
    }

    #[test]
    fn a_unit_with_no_evaluations_scores_zero_without_dividing_by_zero() {
        let s = Scheme::default().score(&counts(9, 0, 0, 0, 0, 0, 0));
        assert_eq!(s.score, 0.0);
    }
}
