//! Training: two linear SVMs over the same sublinear TF-IDF vectors, averaged into one model.
//!
//! - one-vs-rest SVMs (L2-regularised squared hinge loss, LIBLINEAR's default solver), one per
//!   category, fitted by dual coordinate descent (Hsieh et al., 2008) on all cores;
//! - a Crammer–Singer multi-class SVM (LIBLINEAR's `-s 4`, Keerthi et al., 2008), which trades
//!   the categories off against each other directly.
//!
//! Each model's scores are scaled to unit spread on the training data and the two weight
//! matrices averaged. The average of linear models is linear, so classifying costs the same as
//! with one; on held-out BANKING77 splits it is a few tenths of a point more accurate than either.

use crate::dataset::{Example, SplitMix64};
use crate::error::TriageError;
use crate::features::{Extractor, bucket_of};
use crate::input::classification_text;
use crate::model::{Model, Parts, weigh};
use crate::text::normalize;

/// Knobs of one training run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrainOptions {
    /// SVM cost: higher fits the training data more closely.
    pub cost: f32,
    /// Upper bound on passes over the data.
    pub max_epochs: usize,
    /// Stop once the largest optimality violation of a pass falls below this (LIBLINEAR's
    /// default criterion).
    pub tolerance: f32,
    /// Seeds the example order of each pass.
    pub seed: u64,
    /// N-grams in fewer training texts than this get no row: they say little about unseen
    /// text, and leaving them out keeps the model small enough to stay in cache.
    pub min_df: u32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self { cost: 1.0, max_epochs: 100, tolerance: 0.1, seed: 0x5b_7a1e, min_df: 1 }
    }
}

/// A training set turned into vectors: what every fit reads.
struct Vectors {
    vectors: Vec<Vec<(u32, f32)>>,
    labels: Vec<usize>,
    rows: usize,
    classes: usize,
}

/// Row-major weights (`[row * classes + class]`) and per-class bias.
struct Linear {
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// Trains a model on `examples` with the given feature extraction. Categories are the
/// distinct labels, sorted.
pub(crate) fn train(examples: &[Example], extractor: Extractor, options: &TrainOptions) -> Result<Model, TriageError> {
    let mut categories: Vec<String> = examples.iter().map(|e| e.category.clone()).collect();
    categories.sort_unstable();
    categories.dedup();
    if categories.len() < 2 {
        return Err(TriageError::Model("training needs at least two categories".into()));
    }
    let spec = extractor.spec;
    let mut docs: Vec<Vec<u32>> = examples
        .iter()
        .map(|e| {
            let mut features = Vec::new();
            let text = classification_text(e.subject.as_deref(), &e.text, e.channel);
            extractor.extract(&normalize(&text), &mut features);
            features
        })
        .collect();

    // Document frequencies; every bucket seen in `min_df` texts gets a row.
    let mut df = vec![0u32; 1 << spec.bits];
    for doc in &docs {
        let mut distinct: Vec<u32> = doc.iter().map(|&f| bucket_of(f)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for bucket in distinct {
            df[bucket as usize] += 1;
        }
    }
    let n = examples.len() as f32;
    let mut rows = vec![u32::MAX; 1 << spec.bits];
    let mut buckets = Vec::new();
    let mut idf = Vec::new();
    for (bucket, &count) in df.iter().enumerate() {
        if count >= options.min_df.max(1) {
            rows[bucket] = idf.len() as u32;
            buckets.push(bucket as u32);
            // Smoothed IDF, as scikit-learn's TfidfVectorizer.
            idf.push(((1.0 + n) / (1.0 + count as f32)).ln() + 1.0);
        }
    }
    let data = Vectors {
        vectors: docs
            .iter_mut()
            .map(|doc| {
                weigh(doc, &spec.group_weights, |b| {
                    let row = rows[b as usize];
                    (row != u32::MAX).then(|| (row, idf[row as usize]))
                })
            })
            .collect(),
        labels: examples.iter().map(|e| categories.binary_search(&e.category).unwrap_or_default()).collect(),
        rows: idf.len(),
        classes: categories.len(),
    };

    let averaged = fit(&data, options);
    let sharpness = fit_sharpness(&data, options);
    Ok(Model::quantize(Parts {
        extractor,
        categories,
        bias: averaged.bias,
        sharpness,
        buckets,
        idf,
        weights: averaged.weights,
    }))
}

/// Fits both SVMs and averages them, each scaled to unit spread of its scores.
fn fit(data: &Vectors, options: &TrainOptions) -> Linear {
    // The Crammer–Singer fit is sequential; run it beside the one-vs-rest fits.
    let (one_vs_rest, crammer_singer) = std::thread::scope(|scope| {
        let cs = scope.spawn(|| fit_crammer_singer(data, options));
        let ovr = fit_one_vs_rest(data, options);
        (ovr, cs.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let (a, b) = (score_spread(&one_vs_rest, data), score_spread(&crammer_singer, data));
    let mix = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(x, y)| 0.5 * (x / a + y / b)).collect::<Vec<f32>>();
    Linear {
        weights: mix(&one_vs_rest.weights, &crammer_singer.weights),
        bias: mix(&one_vs_rest.bias, &crammer_singer.bias),
    }
}

/// Scores of one training vector under a linear model.
fn scores(model: &Linear, x: &[(u32, f32)], classes: usize) -> Vec<f32> {
    let mut s = model.bias.clone();
    for &(row, v) in x {
        let w = &model.weights[row as usize * classes..(row as usize + 1) * classes];
        for (s, w) in s.iter_mut().zip(w) {
            *s += w * v;
        }
    }
    s
}

/// Root mean square of all scores on the training data: puts two models on one scale.
fn score_spread(model: &Linear, data: &Vectors) -> f32 {
    let sum: f64 =
        data.vectors.iter().flat_map(|x| scores(model, x, data.classes)).map(|s| f64::from(s) * f64::from(s)).sum();
    let spread = (sum / (data.vectors.len() * data.classes) as f64).sqrt() as f32;
    if spread > 0.0 { spread } else { 1.0 }
}

/// Fits every category's binary SVM, spreading categories over the available cores.
fn fit_one_vs_rest(data: &Vectors, options: &TrainOptions) -> Linear {
    let classes = data.classes;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(classes);
    let mut fits: Vec<(Vec<f32>, f32)> = vec![(Vec::new(), 0.0); classes];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..classes)
                        .step_by(threads)
                        .map(|class| (class, fit_binary(data, class, options)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            // A panic in a fitting thread is a bug here; propagate it as is.
            for (class, fit) in handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                fits[class] = fit;
            }
        }
    });
    let mut weights = vec![0.0f32; data.rows * classes];
    let mut bias = vec![0.0f32; classes];
    for (class, (w, b)) in fits.into_iter().enumerate() {
        for (row, value) in w.into_iter().enumerate() {
            weights[row * classes + class] = value;
        }
        bias[class] = b;
    }
    Linear { weights, bias }
}

/// Dual coordinate descent for one category against the rest. The bias is an extra feature of
/// constant value 1, regularised like the others.
fn fit_binary(data: &Vectors, class: usize, options: &TrainOptions) -> (Vec<f32>, f32) {
    let n = data.vectors.len();
    let diag = 0.5 / options.cost;
    let q: Vec<f32> = data.vectors.iter().map(|v| squared_norm(v) + 1.0 + diag).collect();
    let mut alpha = vec![0.0f32; n];
    let mut w = vec![0.0f32; data.rows];
    let mut b = 0.0f32;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(options.seed ^ (class as u64).wrapping_mul(0x9E37_79B9));
    for _ in 0..options.max_epochs {
        rng.shuffle(&mut order);
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let y = if data.labels[i] == class { 1.0 } else { -1.0 };
            let x = &data.vectors[i];
            let wx = b + x.iter().map(|&(r, v)| w[r as usize] * v).sum::<f32>();
            let g = y * wx - 1.0 + diag * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg != 0.0 {
                let old = alpha[i];
                alpha[i] = (old - g / q[i]).max(0.0);
                let step = (alpha[i] - old) * y;
                for &(r, v) in x {
                    w[r as usize] += step * v;
                }
                b += step;
            }
        }
        if pg_max - pg_min < options.tolerance {
            break;
        }
    }
    (w, b)
}

/// Crammer–Singer multi-class SVM by sequential dual coordinate descent: each step solves the
/// small problem of one example's dual variables over all categories exactly. The bias is an
/// extra constant feature, as above.
fn fit_crammer_singer(data: &Vectors, options: &TrainOptions) -> Linear {
    let (n, k, c) = (data.vectors.len(), data.classes, options.cost);
    let mut weights = vec![0.0f32; data.rows * k];
    let mut bias = vec![0.0f32; k];
    let mut alpha = vec![0.0f32; n * k];
    let q: Vec<f32> = data.vectors.iter().map(|v| squared_norm(v) + 1.0).collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(options.seed);
    let (mut g, mut b, mut d, mut fresh) = (vec![0.0f32; k], vec![0.0f32; k], vec![0.0f32; k], vec![0.0f32; k]);
    for _ in 0..options.max_epochs {
        rng.shuffle(&mut order);
        let mut violation = f32::NEG_INFINITY;
        for &i in &order {
            let (x, y, a) = (&data.vectors[i], data.labels[i], q[i]);
            // Gradient: score plus the margin wanted against every other category.
            for (gm, bm) in g.iter_mut().zip(&bias) {
                *gm = 1.0 + bm;
            }
            g[y] -= 1.0;
            for &(r, v) in x {
                for (gm, w) in g.iter_mut().zip(&weights[r as usize * k..(r as usize + 1) * k]) {
                    *gm += w * v;
                }
            }
            let alpha_i = &mut alpha[i * k..(i + 1) * k];
            let mut min_g = f32::INFINITY;
            for m in 0..k {
                if alpha_i[m] < 0.0 || (m == y && alpha_i[m] < c) {
                    min_g = min_g.min(g[m]);
                }
            }
            let max_g = g.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if max_g - min_g <= 1e-12 {
                continue;
            }
            violation = violation.max(max_g - min_g);
            // The sub-problem's closed form (LIBLINEAR's solve_sub_problem).
            for m in 0..k {
                b[m] = g[m] - a * alpha_i[m];
            }
            d.copy_from_slice(&b);
            d[y] += a * c;
            d.sort_unstable_by(|p, q| q.total_cmp(p));
            let mut beta = d[0] - a * c;
            let mut r = 1;
            while r < k && beta < r as f32 * d[r] {
                beta += d[r];
                r += 1;
            }
            beta /= r as f32;
            for m in 0..k {
                let bound = if m == y { c } else { 0.0 };
                fresh[m] = bound.min((beta - b[m]) / a);
            }
            for m in 0..k {
                let delta = fresh[m] - alpha_i[m];
                alpha_i[m] = fresh[m];
                if delta.abs() >= 1e-12 {
                    for &(r, v) in x {
                        weights[r as usize * k + m] += delta * v;
                    }
                    bias[m] += delta;
                }
            }
        }
        if violation < options.tolerance {
            break;
        }
    }
    Linear { weights, bias }
}

fn squared_norm(x: &[(u32, f32)]) -> f32 {
    x.iter().map(|(_, v)| v * v).sum()
}

/// Folds of the cross-validation that calibrates the confidence.
const CALIBRATION_FOLDS: usize = 3;

/// Chooses the softmax sharpness for confidences: the value with the least log-loss on scores
/// of texts the model did not see. Each of `CALIBRATION_FOLDS` folds is scored by a model
/// trained on the others, so the confidence is fitted to how the model does on unseen
/// wording, not on its own training data, where it is always surer than it should be.
fn fit_sharpness(data: &Vectors, options: &TrainOptions) -> f32 {
    let mut order: Vec<usize> = (0..data.vectors.len()).collect();
    SplitMix64(options.seed ^ 0xCA11_B4A7).shuffle(&mut order);
    let mut held_out: Vec<(Vec<f32>, usize)> = Vec::with_capacity(order.len());
    for fold in 0..CALIBRATION_FOLDS {
        let in_fold = |at: &usize| at % CALIBRATION_FOLDS == fold;
        let test: Vec<usize> = (0..order.len()).filter(in_fold).map(|at| order[at]).collect();
        let train: Vec<usize> = (0..order.len()).filter(|at| !in_fold(at)).map(|at| order[at]).collect();
        let subset = Vectors {
            vectors: train.iter().map(|&i| data.vectors[i].clone()).collect(),
            labels: train.iter().map(|&i| data.labels[i]).collect(),
            rows: data.rows,
            classes: data.classes,
        };
        // A fold missing a category cannot say how sure the model is about it.
        if (0..data.classes).any(|c| !subset.labels.contains(&c)) {
            continue;
        }
        let model = fit(&subset, options);
        held_out.extend(test.iter().map(|&i| (scores(&model, &data.vectors[i], data.classes), data.labels[i])));
    }
    if held_out.is_empty() {
        return 1.0;
    }
    let log_loss = |k: f32| -> f32 {
        held_out
            .iter()
            .map(|(s, label)| {
                let top = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let total: f32 = s.iter().map(|v| ((v - top) * k).exp()).sum();
                total.ln() - (s[*label] - top) * k
            })
            .sum()
    };
    (1..=120).map(|i| i as f32 * 0.25).min_by(|&a, &b| log_loss(a).total_cmp(&log_loss(b))).unwrap_or(1.0)
}
