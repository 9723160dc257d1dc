//! The trained linear model: one weight per category for every hashed n-gram seen in training,
//! TF-IDF weighting of the input, and a softmax over the scores for the confidence.
//!
//! Laid out for speed: a message touches a hundred or more features at random places in the
//! model, and each costs a cache miss when the model is cold. So only buckets seen in training
//! are kept, each in one slot of an open-addressing table that holds the bucket, its IDF, a scale
//! and one 8-bit weight per category: one feature, one cache line.

use crate::features::{Extractor, GROUPS, bucket_of, group_of};

/// Marks an empty slot (real buckets are below 2^28).
const EMPTY: u32 = u32::MAX;

/// Bytes before the weights in a slot: bucket `u32`, IDF `f32`, scale `f32`.
const SLOT_HEADER: usize = 12;

/// A linear classifier over hashed features. Built by `train`, written and read by `format`.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// How texts are turned into features; fixed at training time.
    pub extractor: Extractor,
    /// Category names, in the order of the score vector.
    pub categories: Vec<String>,
    /// Per-category intercept.
    pub bias: Vec<f32>,
    /// Multiplies the scores before the softmax, so the confidence is calibrated rather than
    /// merely ordered (fitted at training time).
    pub sharpness: f32,
    /// Open addressing with linear probing, at most half full. Each slot: bucket `u32`
    /// (`EMPTY` if free), IDF `f32`, scale `f32`, then one `i8` weight per category (weight =
    /// q × scale), padded to a multiple of four bytes.
    table: Vec<u8>,
    /// Bytes per slot.
    stride: usize,
    /// Slot count − 1 (the count is a power of two).
    mask: usize,
    /// Occupied slots in ascending bucket order, for writing the model out.
    order: Vec<u32>,
}

/// One row as stored: what the model file holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub bucket: u32,
    pub idf: f32,
    pub scale: f32,
    /// One `i8` per category, as its two's-complement byte (weight = q × scale).
    pub weights: &'a [u8],
}

/// The model's answer for one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Prediction {
    /// Index into `Model::categories`.
    pub category: usize,
    /// Softmax probability of that category, 0..=1.
    pub confidence: f32,
}

/// Everything a model is made of, with weights still in `f32` (row-major, one row per bucket).
pub(crate) struct Parts {
    pub extractor: Extractor,
    pub categories: Vec<String>,
    pub bias: Vec<f32>,
    pub sharpness: f32,
    /// Ascending buckets, one per row.
    pub buckets: Vec<u32>,
    pub idf: Vec<f32>,
    /// `weights[row * categories + category]`.
    pub weights: Vec<f32>,
}

impl Model {
    /// Builds a model, quantising each row's weights to 8 bits against its largest magnitude.
    pub fn quantize(parts: Parts) -> Self {
        let classes = parts.categories.len();
        let rows = parts.buckets.len();
        let mut scales = Vec::with_capacity(rows);
        let mut quantized = Vec::with_capacity(rows * classes);
        for row in parts.weights.chunks_exact(classes) {
            let scale = row.iter().fold(0.0f32, |m, w| m.max(w.abs())) / 127.0;
            scales.push(scale);
            quantized.extend(
                row.iter().map(|w| if scale > 0.0 { (w / scale).round().clamp(-127.0, 127.0) as i8 as u8 } else { 0 }),
            );
        }
        let Parts { extractor, categories, bias, sharpness, buckets, idf, .. } = parts;
        Self::from_rows(extractor, categories, bias, sharpness, &buckets, &idf, &scales, &quantized)
    }

    /// Builds a model from rows as stored (`weights` holds `categories.len()` two's-complement
    /// `i8` bytes per row; `buckets` are distinct).
    #[allow(clippy::too_many_arguments)] // the fields of one file section, read in order
    pub fn from_rows(
        extractor: Extractor,
        categories: Vec<String>,
        bias: Vec<f32>,
        sharpness: f32,
        buckets: &[u32],
        idf: &[f32],
        scales: &[f32],
        weights: &[u8],
    ) -> Self {
        let classes = categories.len();
        let stride = (SLOT_HEADER + classes).next_multiple_of(4);
        let slots = (buckets.len() * 2).next_power_of_two().max(16);
        let mask = slots - 1;
        let mut table = vec![0u8; slots * stride];
        for slot in table.chunks_exact_mut(stride) {
            slot[..4].copy_from_slice(&EMPTY.to_le_bytes());
        }
        let mut order = Vec::with_capacity(buckets.len());
        for (r, &bucket) in buckets.iter().enumerate() {
            let mut slot = bucket as usize & mask;
            while u32_at(&table, slot * stride) != EMPTY {
                slot = (slot + 1) & mask;
            }
            let packed = &mut table[slot * stride..(slot + 1) * stride];
            packed[..4].copy_from_slice(&bucket.to_le_bytes());
            packed[4..8].copy_from_slice(&idf[r].to_le_bytes());
            packed[8..12].copy_from_slice(&scales[r].to_le_bytes());
            packed[SLOT_HEADER..SLOT_HEADER + classes].copy_from_slice(&weights[r * classes..(r + 1) * classes]);
            order.push(slot as u32);
        }
        order.sort_unstable_by_key(|&slot| u32_at(&table, slot as usize * stride));
        Self { extractor, categories, bias, sharpness, table, stride, mask, order }
    }

    /// Number of rows (buckets seen in training).
    pub fn row_count(&self) -> usize {
        self.order.len()
    }

    /// The `r`-th row in ascending bucket order.
    pub fn row(&self, r: usize) -> Row<'_> {
        let at = self.order[r] as usize * self.stride;
        Row {
            bucket: u32_at(&self.table, at),
            idf: f32_at(&self.table, at + 4),
            scale: f32_at(&self.table, at + 8),
            weights: &self.table[at + SLOT_HEADER..at + SLOT_HEADER + self.categories.len()],
        }
    }

    /// The byte offset of `bucket`'s slot, if training saw it.
    fn find(&self, bucket: u32) -> Option<usize> {
        let mut slot = bucket as usize & self.mask;
        loop {
            let at = slot * self.stride;
            match u32_at(&self.table, at) {
                EMPTY => return None,
                b if b == bucket => return Some(at),
                _ => slot = (slot + 1) & self.mask,
            }
        }
    }

    /// The TF-IDF vector of `normalized` text: (slot offset, value) pairs, n-grams unknown to
    /// the model dropped.
    pub fn vectorize(&self, normalized: &str) -> Vec<(u32, f32)> {
        let mut features = Vec::with_capacity(normalized.len() * 4);
        self.extractor.extract(normalized, &mut features);
        weigh(&features, &self.extractor.spec.group_weights, |bucket| {
            self.find(bucket).map(|at| (at as u32, f32_at(&self.table, at + 4)))
        })
    }

    /// Raw linear scores of `normalized` text, one per category.
    pub fn scores(&self, normalized: &str) -> Vec<f32> {
        let classes = self.categories.len();
        let mut scores = self.bias.clone();
        for (at, value) in self.vectorize(normalized) {
            let at = at as usize;
            let step = f32_at(&self.table, at + 8) * value;
            for (s, &q) in scores.iter_mut().zip(&self.table[at + SLOT_HEADER..at + SLOT_HEADER + classes]) {
                *s += f32::from(q as i8) * step;
            }
        }
        scores
    }

    /// The best category for `normalized` text and its confidence.
    /// Never answers category `excluded`: its probability is shared out among the others, as
    /// if the model had never known it.
    pub fn predict(&self, normalized: &str, excluded: Option<usize>) -> Prediction {
        let mut scores = self.scores(normalized);
        if let Some(score) = excluded.and_then(|e| scores.get_mut(e)) {
            *score = f32::NEG_INFINITY;
        }
        let (category, confidence) = softmax_top(&scores, self.sharpness);
        Prediction { category, confidence }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Turns raw features (repeats included) into a sublinear TF-IDF vector: each group scaled to
/// its weight's length, the whole then to unit length. `lookup` gives a bucket's row and IDF,
/// or `None` for buckets the model ignores. Shared by training and prediction so both see
/// exactly the same vectors.
pub(crate) fn weigh(
    features: &[u32],
    group_weights: &[f32; GROUPS],
    lookup: impl Fn(u32) -> Option<(u32, f32)>,
) -> Vec<(u32, f32)> {
    let distinct = count_distinct(features);
    let mut vector = Vec::with_capacity(distinct.len());
    let mut groups = Vec::with_capacity(distinct.len());
    let mut squares = [0.0f32; GROUPS];
    for (feature, count) in distinct {
        if let Some((row, idf)) = lookup(bucket_of(feature)) {
            // Most n-grams occur once; skip the logarithm for them.
            let tf = if count == 1 { 1.0 } else { 1.0 + (count as f32).ln() };
            let value = tf * idf;
            let group = group_of(feature);
            squares[group] += value * value;
            vector.push((row, value));
            groups.push(group);
        }
    }
    // Group g is scaled to length w_g; the result then has length √(Σ w_g²) over the groups
    // present, and is divided by that.
    let total = squares.iter().zip(group_weights).filter(|(s, _)| **s > 0.0).map(|(_, w)| w * w).sum::<f32>().sqrt();
    if total > 0.0 {
        let factors: [f32; GROUPS] =
            std::array::from_fn(|g| if squares[g] > 0.0 { group_weights[g] / squares[g].sqrt() / total } else { 0.0 });
        for ((_, value), group) in vector.iter_mut().zip(groups) {
            *value *= factors[group];
        }
    }
    vector
}

/// Each distinct feature with its number of occurrences, in order of first occurrence. A small
/// hash table rather than a sort: this runs for every message.
fn count_distinct(features: &[u32]) -> Vec<(u32, u32)> {
    // Features never have all bits set (the group field is small), so this marks a free slot.
    const FREE: u32 = u32::MAX;
    let bits = (features.len() * 2).next_power_of_two().max(16).trailing_zeros();
    let mask = (1usize << bits) - 1;
    let mut slots = vec![(FREE, 0u32); mask + 1];
    let mut distinct: Vec<(u32, u32)> = Vec::with_capacity(features.len());
    for &feature in features {
        // Fibonacci hashing of the whole feature, group bits included.
        let mut slot = (feature.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize;
        loop {
            match slots[slot] {
                (FREE, _) => {
                    slots[slot] = (feature, distinct.len() as u32);
                    distinct.push((feature, 1));
                    break;
                }
                (f, at) if f == feature => {
                    distinct[at as usize].1 += 1;
                    break;
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }
    distinct
}

/// Index of the highest score and its softmax probability at the given sharpness.
pub(crate) fn softmax_top(scores: &[f32], sharpness: f32) -> (usize, f32) {
    let (best, &top) = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap_or((0, &0.0));
    let total: f32 = scores.iter().map(|s| ((s - top) * sharpness).exp()).sum();
    (best, if total > 0.0 { 1.0 / total } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSpec;
    use crate::lexicon::Lexicon;

    #[test]
    fn weigh_is_sublinear_and_normalised() {
        let v = weigh(&[3, 1, 3, 3, 7], &[1.0; GROUPS], |b| (b != 7).then_some((b, 1.0)));
        assert_eq!(v.iter().map(|(row, _)| *row).collect::<Vec<_>>(), vec![3, 1]);
        let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        assert!(v[0].1 > v[1].1);
    }

    #[test]
    fn groups_are_weighted_separately() {
        // One feature in group 0, three in group 1; group 1 weighs half as much.
        let group1 = 1 << 28;
        let features = [5, group1 | 1, group1 | 2, group1 | 3];
        let mut weights = [0.0; GROUPS];
        weights[0] = 1.0;
        weights[1] = 0.5;
        let v = weigh(&features, &weights, |b| Some((b, 1.0)));
        let length = |first: bool| v.iter().filter(|(r, _)| (*r == 5) == first).map(|(_, x)| x * x).sum::<f32>().sqrt();
        assert!((length(true) / length(false) - 2.0).abs() < 1e-5);
        assert!((length(true).powi(2) + length(false).powi(2) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn counts_distinct_features_in_first_seen_order() {
        let features: Vec<u32> = (0..1000).map(|i| i % 7 * 1_000_003).collect();
        let distinct = count_distinct(&features);
        assert_eq!(distinct.len(), 7);
        assert_eq!(distinct[0], (0, 143));
        assert_eq!(distinct[6], (6_000_018, 142));
    }

    #[test]
    fn softmax_top_picks_the_largest() {
        let (i, p) = softmax_top(&[0.1, 2.0, -1.0], 1.0);
        assert_eq!(i, 1);
        assert!(p > 0.5 && p < 1.0);
        assert_eq!(softmax_top(&[1.0, 1.0], 1.0).1, 0.5);
    }

    #[test]
    fn rows_are_found_and_quantised_closely() {
        let buckets: Vec<u32> = (0..100).map(|i| i * 37).collect();
        let weights: Vec<f32> = (0..200).map(|i| (i as f32 - 100.0) / 7.0).collect();
        let model = Model::quantize(Parts {
            extractor: Extractor { spec: FeatureSpec::DEFAULT, lexicon: Lexicon::parse("").unwrap() },
            categories: vec!["a".into(), "b".into()],
            bias: vec![0.0, 0.0],
            sharpness: 1.0,
            buckets: buckets.clone(),
            idf: vec![1.5; 100],
            weights: weights.clone(),
        });
        for (r, &bucket) in buckets.iter().enumerate() {
            assert!(model.find(bucket).is_some());
            let row = model.row(r);
            assert_eq!((row.bucket, row.idf), (bucket, 1.5));
            for (c, &q) in row.weights.iter().enumerate() {
                assert!((f32::from(q as i8) * row.scale - weights[r * 2 + c]).abs() <= row.scale / 2.0 + 1e-6);
            }
        }
        assert_eq!(model.find(1), None);
    }
}
