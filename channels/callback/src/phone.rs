//! Phone numbers as customers type them: international form only (a `+` and the country
//! code), spaces, dashes and parentheses allowed, checked against libphonenumber's metadata
//! and kept in E.164.

use phonenumber::{Mode, Type};

/// A checked, dialable number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// `+8613800138000`.
    pub e164: String,
    /// The ISO country the number belongs to (`CN`), when it belongs to one.
    pub country: Option<String>,
}

/// Why a number is refused, in words the customer can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone must start with + and the country code, such as +86 for China")]
    NoCountryCode,
    #[error("phone may hold only digits, spaces, dashes and parentheses")]
    NotDigits,
    #[error("phone is too short to be a number")]
    TooShort,
    #[error("phone is too long to be a number")]
    TooLong,
    #[error("phone has no known country code")]
    UnknownCountry,
    #[error("phone is not a valid number in its country (check the prefix and the length)")]
    Invalid,
    #[error("phone cannot be called back: {0}")]
    NotDialable(&'static str),
}

/// Longest input looked at: 15 digits of E.164 and generous punctuation.
const MAX_INPUT: usize = 32;
/// Fewest digits, country code included, any real number has.
const MIN_DIGITS: usize = 7;
/// E.164 allows at most 15 digits.
const MAX_DIGITS: usize = 15;

/// Checks what the customer typed and gives it in E.164.
pub fn parse(input: &str) -> Result<Phone, PhoneError> {
    let input = input.trim();
    if input.len() > MAX_INPUT {
        return Err(PhoneError::TooLong);
    }
    let rest = input.strip_prefix('+').ok_or(if input.chars().any(|c| c.is_alphabetic()) {
        PhoneError::NotDigits
    } else {
        PhoneError::NoCountryCode
    })?;
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')')) {
        return Err(PhoneError::NotDigits);
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if digits.len() > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    // Parsed from the bare digits: the punctuation is the customer's, not a number's part.
    let number = phonenumber::parse(None, format!("+{digits}")).map_err(|e| match e {
        phonenumber::ParseError::InvalidCountryCode => PhoneError::UnknownCountry,
        phonenumber::ParseError::TooLong => PhoneError::TooLong,
        phonenumber::ParseError::TooShortNsn | phonenumber::ParseError::TooShortAfterIdd => PhoneError::TooShort,
        _ => PhoneError::Invalid,
    })?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    match number.number_type(&phonenumber::metadata::DATABASE) {
        // Calling one costs us by the minute and pays whoever holds it: a well-known fraud.
        Type::PremiumRate | Type::SharedCost => return Err(PhoneError::NotDialable("it is a premium-rate number")),
        Type::Pager | Type::Voicemail => return Err(PhoneError::NotDialable("nobody answers it in person")),
        Type::Emergency | Type::ShortCode => return Err(PhoneError::NotDialable("it is a service number")),
        _ => {}
    }
    let country = number.country().id().map(|id| id.as_ref().to_owned());
    Ok(Phone { e164: number.format().mode(Mode::E164).to_string(), country })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> (String, Option<String>) {
        let p = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        (p.e164, p.country)
    }

    #[test]
    fn real_numbers_are_accepted_in_e164() {
        assert_eq!(ok("+8613800138000"), ("+8613800138000".into(), Some("CN".into())));
        assert_eq!(ok("+12025550143"), ("+12025550143".into(), Some("US".into())));
        assert_eq!(ok("+447400123456"), ("+447400123456".into(), Some("GB".into())));
        // +44 7911 1… is a Guernsey mobile range in libphonenumber's metadata: a UK number,
        // called in Guernsey's zone (the same clocks as London).
        assert_eq!(ok("+447911123456"), ("+447911123456".into(), Some("GG".into())));
        assert_eq!(ok("+85291234567"), ("+85291234567".into(), Some("HK".into())));
    }

    #[test]
    fn what_customers_type_is_normalised() {
        assert_eq!(ok("+86 138-0013-8000").0, "+8613800138000");
        assert_eq!(ok(" +1 (202) 555-0143 ").0, "+12025550143");
        assert_eq!(ok("+44 7911 123456").0, "+447911123456");
        assert_eq!(ok("+852 9123 4567").0, "+85291234567");
    }

    #[test]
    fn bad_numbers_are_refused_saying_why() {
        assert_eq!(parse("+86138"), Err(PhoneError::TooShort));
        assert_eq!(parse("+86 138 ABCD 8000"), Err(PhoneError::NotDigits));
        assert_eq!(parse("call me"), Err(PhoneError::NotDigits));
        assert_eq!(parse("13800138000"), Err(PhoneError::NoCountryCode));
        assert_eq!(parse("+8600000000000"), Err(PhoneError::Invalid));
        assert_eq!(parse("+99912345678"), Err(PhoneError::UnknownCountry));
        assert_eq!(parse("+1234567890123456"), Err(PhoneError::TooLong));
        // A US 900 number is premium-rate.
        assert!(matches!(parse("+19005550143"), Err(PhoneError::NotDialable(_))));
        assert!(PhoneError::NoCountryCode.to_string().contains("+86"));
    }
}
