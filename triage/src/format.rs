//! The model file: a small binary format, little-endian throughout.
//!
//! ```text
//! magic "SBTRIAGE", version u32
//! feature spec: bits u8, word chars (min u8, max u8), han chars (min u8, max u8),
//!               pair window u8, group count u8, group weights f32 × count
//! sharpness f32
//! lexicon: length u32, UTF-8
//! categories: count u16, each length u16 + UTF-8
//! bias: f32 × categories
//! rows: count u32, each: bucket delta varint, idf f32, scale f32, weights i8 × categories
//! ```
//!
//! Only buckets seen in training are stored, each row's weights quantised to 8 bits against the
//! row's largest magnitude (`scale`) as the model holds them in memory: the default model stays
//! under a megabyte, and a model read back classifies exactly as the one written.

use crate::error::TriageError;
use crate::features::{Extractor, FeatureSpec, GROUPS};
use crate::lexicon::Lexicon;
use crate::model::Model;

const MAGIC: &[u8; 8] = b"SBTRIAGE";
const VERSION: u32 = 1;

/// Serialises `model`.
pub(crate) fn to_bytes(model: &Model) -> Vec<u8> {
    let classes = model.categories.len();
    let spec = model.extractor.spec;
    let mut out = Vec::with_capacity(model.row_count() * (classes + 10) + 4096);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&[
        spec.bits,
        spec.word_chars.0,
        spec.word_chars.1,
        spec.han_chars.0,
        spec.han_chars.1,
        spec.pair_window,
        GROUPS as u8,
    ]);
    for w in spec.group_weights {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&model.sharpness.to_le_bytes());
    let lexicon = model.extractor.lexicon.source().as_bytes();
    out.extend_from_slice(&(lexicon.len() as u32).to_le_bytes());
    out.extend_from_slice(lexicon);
    out.extend_from_slice(&(classes as u16).to_le_bytes());
    for name in &model.categories {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    for b in &model.bias {
        out.extend_from_slice(&b.to_le_bytes());
    }
    out.extend_from_slice(&(model.row_count() as u32).to_le_bytes());
    let mut previous = 0u32;
    for r in 0..model.row_count() {
        let row = model.row(r);
        write_varint(&mut out, row.bucket - previous);
        previous = row.bucket;
        out.extend_from_slice(&row.idf.to_le_bytes());
        out.extend_from_slice(&row.scale.to_le_bytes());
        out.extend_from_slice(row.weights);
    }
    out
}

/// Reads a model written by `to_bytes`.
pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Model, TriageError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(8)? != MAGIC {
        return Err(invalid("not a triage model file"));
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(invalid(&format!("format version {version}, this build reads version {VERSION}")));
    }
    let (bits, word_lo, word_hi, han_lo, han_hi, pair_window, groups) =
        (r.u8()?, r.u8()?, r.u8()?, r.u8()?, r.u8()?, r.u8()?, r.u8()?);
    if !(8..=26).contains(&bits) || usize::from(groups) != GROUPS || word_lo > word_hi || han_lo > han_hi {
        return Err(invalid("bad feature settings"));
    }
    let mut group_weights = [0.0f32; GROUPS];
    for w in &mut group_weights {
        *w = r.f32()?;
    }
    let spec =
        FeatureSpec { bits, word_chars: (word_lo, word_hi), han_chars: (han_lo, han_hi), pair_window, group_weights };
    let sharpness = r.f32()?;
    let lexicon_len = r.u32()? as usize;
    let lexicon = std::str::from_utf8(r.take(lexicon_len)?).map_err(|_| invalid("lexicon is not UTF-8"))?;
    let lexicon = Lexicon::parse(lexicon).map_err(|e| invalid(&e))?;
    let classes = usize::from(r.u16()?);
    if classes < 2 {
        return Err(invalid("fewer than two categories"));
    }
    let mut categories = Vec::with_capacity(classes);
    for _ in 0..classes {
        let len = usize::from(r.u16()?);
        let name = std::str::from_utf8(r.take(len)?).map_err(|_| invalid("category name is not UTF-8"))?;
        categories.push(name.to_owned());
    }
    let bias = (0..classes).map(|_| r.f32()).collect::<Result<Vec<_>, _>>()?;
    let count = r.u32()? as usize;
    if count > 1 << bits {
        return Err(invalid("more rows than buckets"));
    }
    let (mut buckets, mut idf, mut scales) =
        (Vec::with_capacity(count), Vec::with_capacity(count), Vec::with_capacity(count));
    let mut weights = Vec::with_capacity(count * classes);
    let mut bucket = 0u32;
    for row in 0..count {
        let gap = r.varint()?;
        if row > 0 && gap == 0 {
            return Err(invalid("bucket out of order"));
        }
        bucket = bucket.checked_add(gap).filter(|&b| b < 1 << bits).ok_or_else(|| invalid("bucket out of range"))?;
        buckets.push(bucket);
        idf.push(r.f32()?);
        scales.push(r.f32()?);
        weights.extend_from_slice(r.take(classes)?);
    }
    if r.at != bytes.len() {
        return Err(invalid("trailing bytes"));
    }
    let extractor = Extractor { spec, lexicon };
    Ok(Model::from_rows(extractor, categories, bias, sharpness, &buckets, &idf, &scales, &weights))
}

fn invalid(message: &str) -> TriageError {
    TriageError::Model(message.to_owned())
}

/// LEB128: bucket gaps are mostly small, so most take one or two bytes.
fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A cursor over the file that turns running off the end into an error.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TriageError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| invalid("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, TriageError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, TriageError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| invalid("truncated"))?))
    }

    fn u32(&mut self) -> Result<u32, TriageError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| invalid("truncated"))?))
    }

    fn f32(&mut self) -> Result<f32, TriageError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().map_err(|_| invalid("truncated"))?);
        if v.is_finite() { Ok(v) } else { Err(invalid("non-finite number")) }
    }

    fn varint(&mut self) -> Result<u32, TriageError> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.u8()?;
            value |= u32::from(byte & 0x7f).checked_shl(shift).ok_or_else(|| invalid("bad varint"))?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(invalid("bad varint"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Example;
    use crate::train::{TrainOptions, train};

    fn tiny_model() -> Model {
        let example = |text: &str, category: &str| Example {
            text: text.into(),
            subject: None,
            category: category.into(),
            channel: None,
            priority: None,
        };
        let data = [
            example("my payment failed", "payment_failed"),
            example("支付失败了", "payment_failed"),
            example("where is my refund", "refund"),
            example("退款还没到", "refund"),
        ];
        let extractor = Extractor { spec: FeatureSpec::DEFAULT, lexicon: Lexicon::builtin() };
        train(&data, extractor, &TrainOptions::default()).unwrap()
    }

    #[test]
    fn round_trips_exactly() {
        let model = tiny_model();
        let bytes = to_bytes(&model);
        let back = from_bytes(&bytes).unwrap();
        assert_eq!(back.categories, model.categories);
        assert_eq!(back.extractor.spec, model.extractor.spec);
        assert_eq!(back.row_count(), model.row_count());
        for r in 0..model.row_count() {
            let (a, b) = (back.row(r), model.row(r));
            assert_eq!((a.bucket, a.idf, a.scale, a.weights), (b.bucket, b.idf, b.scale, b.weights));
        }
        assert_eq!(to_bytes(&back), bytes);
        let text = crate::text::normalize("payment failed again");
        assert_eq!(back.predict(&text, None), model.predict(&text, None));
    }

    #[test]
    fn rejects_damaged_files() {
        let bytes = to_bytes(&tiny_model());
        assert!(from_bytes(b"hello").is_err());
        assert!(from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(from_bytes(&extra).is_err());
        let mut version = bytes;
        version[8] = 9;
        assert!(matches!(from_bytes(&version), Err(TriageError::Model(m)) if m.contains("version")));
    }
}
