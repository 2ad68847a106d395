//! A multinomial logistic-regression classifier over hashed sparse features, trained by SGD. Only
//! features seen often enough in training get a row, so the stored model stays small; a fitted
//! temperature makes its probabilities honest on held-out data.

use serde::{Deserialize, Serialize};

use crate::features::DIM;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Linear {
    pub classes: Vec<String>,
    /// Feature ids that have a row, sorted.
    features: Vec<u32>,
    /// `features.len() × classes.len()` weights, row by row, quantised to i16 with `scale`.
    weights: Vec<i16>,
    scale: f32,
    bias: Vec<f32>,
    /// Softmax temperature fitted on held-out examples.
    pub temperature: f32,
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    /// A feature needs this many examples to get a row.
    pub min_count: u32,
    /// Share of examples held out to fit the temperature (none when there are too few).
    pub holdout: f32,
    pub seed: u64,
    /// L2 penalty, applied to the rows an example touches (keeps weights small, so wording the
    /// examples never used does not meet overconfident weights).
    pub l2: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self { epochs: 4, learning_rate: 0.5, min_count: 2, holdout: 0.05, seed: 1, l2: 1e-4 }
    }
}

/// A small deterministic PRNG (xorshift64*), for shuffling.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn softmax(logits: &mut [f32], temperature: f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = ((*l - max) / temperature).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

impl Linear {
    /// A model that always answers `class` (for a decision with one class in the data).
    pub fn constant(class: String) -> Self {
        Self { classes: vec![class], features: Vec::new(), weights: Vec::new(), scale: 1.0, bias: vec![0.0], temperature: 1.0 }
    }

    pub fn rows(&self) -> usize {
        self.features.len()
    }

    fn logits(&self, features: &[u32]) -> Vec<f32> {
        let k = self.classes.len();
        let mut out = self.bias.clone();
        let active: Vec<usize> = features.iter().filter_map(|f| self.features.binary_search(f).ok()).collect();
        if active.is_empty() {
            return out;
        }
        // Inputs are L2-normalised over all of the text's features, seen in training or not.
        let x = self.scale / (features.len() as f32).sqrt();
        for row in active {
            for (o, w) in out.iter_mut().zip(&self.weights[row * k..row * k + k]) {
                *o += f32::from(*w) * x;
            }
        }
        out
    }

    /// Class probabilities, in `classes` order.
    pub fn probs(&self, features: &[u32]) -> Vec<f32> {
        let mut p = self.logits(features);
        softmax(&mut p, self.temperature);
        p
    }

    /// Fits the model on `(features, class index)` examples.
    pub fn train(examples: &[(&[u32], usize)], classes: Vec<String>, opts: &TrainOptions) -> Self {
        let k = classes.len();
        if k < 2 || examples.is_empty() {
            return Self::constant(classes.into_iter().next().unwrap_or_default());
        }
        // Rows for features seen at least min_count times.
        let mut counts = vec![0u32; DIM as usize];
        for (f, _) in examples {
            for &x in *f {
                counts[x as usize] = counts[x as usize].saturating_add(1);
            }
        }
        let mut row_of = vec![u32::MAX; DIM as usize];
        let mut features = Vec::new();
        for (x, &c) in counts.iter().enumerate() {
            if c >= opts.min_count {
                row_of[x] = features.len() as u32;
                features.push(x as u32);
            }
        }
        drop(counts);
        let mut w = vec![0f32; features.len() * k];
        let mut bias = vec![0f32; k];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(opts.seed);
        rng.shuffle(&mut order);
        let held = if examples.len() >= 200 { ((examples.len() as f32 * opts.holdout) as usize).max(1) } else { 0 };
        let (holdout, train) = order.split_at(held);
        let mut train = train.to_vec();
        let mut logits = vec![0f32; k];
        let mut rows = Vec::new();
        let total_steps = (opts.epochs * train.len()).max(1) as f32;
        let mut step = 0f32;
        for _ in 0..opts.epochs {
            rng.shuffle(&mut train);
            for &i in &train {
                let (f, y) = examples[i];
                rows.clear();
                rows.extend(f.iter().map(|x| row_of[*x as usize]).filter(|r| *r != u32::MAX));
                let x = 1.0 / (f.len().max(1) as f32).sqrt();
                logits.copy_from_slice(&bias);
                for &r in &rows {
                    let r = r as usize * k;
                    for (l, wv) in logits.iter_mut().zip(&w[r..r + k]) {
                        *l += wv * x;
                    }
                }
                softmax(&mut logits, 1.0);
                logits[y] -= 1.0;
                // Linear decay keeps late steps from undoing what the early ones learned.
                let lr = opts.learning_rate * (1.0 - step / total_steps).max(0.05);
                step += 1.0;
                for (b, g) in bias.iter_mut().zip(&logits) {
                    *b -= lr * g * 0.1;
                }
                let decay = 1.0 - lr * opts.l2;
                for &r in &rows {
                    let r = r as usize * k;
                    for (wv, g) in w[r..r + k].iter_mut().zip(&logits) {
                        *wv = *wv * decay - lr * g * x;
                    }
                }
            }
        }
        // Quantise: i16 over the largest magnitude.
        let max = w.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        let scale = max / f32::from(i16::MAX);
        let weights = w.iter().map(|v| (v / scale).round() as i16).collect();
        let mut model = Self { classes, features, weights, scale, bias, temperature: 1.0 };
        model.fit_temperature(holdout.iter().map(|&i| examples[i]));
        model
    }

    /// Chooses the temperature that minimises the negative log-likelihood on held-out examples.
    fn fit_temperature<'a>(&mut self, held: impl Iterator<Item = (&'a [u32], usize)>) {
        let held: Vec<(Vec<f32>, usize)> = held.map(|(f, y)| (self.logits(f), y)).collect();
        if held.is_empty() {
            return;
        }
        let nll = |t: f32| -> f32 {
            held.iter()
                .map(|(l, y)| {
                    let mut p = l.clone();
                    softmax(&mut p, t);
                    -(p[*y].max(1e-9)).ln()
                })
                .sum()
        };
        let mut best = (1.0, nll(1.0));
        for i in 1..=40 {
            let t = 0.25 * f32::from(i as u8) / 2.0;
            let v = nll(t);
            if v < best.1 {
                best = (t, v);
            }
        }
        self.temperature = best.0;
    }

    /// The `n` most likely classes with their probabilities, best first.
    pub fn top(&self, features: &[u32], n: usize) -> Vec<(String, f32)> {
        let p = self.probs(features);
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
        idx.into_iter().take(n).map(|i| (self.classes[i].clone(), p[i])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_gives_probabilities_that_sum_to_one() {
        let data: Vec<(Vec<u32>, usize)> = (0..400u32).map(|i| (vec![i % 2, 10 + i % 7, 100 + i % 2 * 3], (i % 2) as usize)).collect();
        let examples: Vec<(&[u32], usize)> = data.iter().map(|(f, y)| (f.as_slice(), *y)).collect();
        let m = Linear::train(&examples, vec!["even".into(), "odd".into()], &TrainOptions::default());
        assert_eq!(m.top(&[0, 10, 100], 1)[0].0, "even");
        assert_eq!(m.top(&[1, 11, 103], 1)[0].0, "odd");
        let p = m.probs(&[1, 103]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(p[1] > 0.9, "{p:?}");
        // Nothing known: the prior, not a panic.
        let p = m.probs(&[999_999]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn one_class_is_a_constant_model() {
        let m = Linear::train(&[(&[1, 2][..], 0)], vec!["only".into()], &TrainOptions::default());
        assert_eq!(m.top(&[1], 3), vec![("only".to_owned(), 1.0)]);
    }
}
