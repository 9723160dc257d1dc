//! Check-digit algorithms that tell real card and ID numbers from look-alikes.

/// The value of an ASCII or full-width decimal digit (Chinese input methods type `１２３`).
pub(crate) fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Whether `number` passes the Luhn check (ISO/IEC 7812, used by every payment card number).
/// Spaces and dashes are ignored; any other non-digit, or no digits at all, fails.
pub fn luhn_valid(number: &str) -> bool {
    let mut sum = 0;
    let mut count = 0;
    for c in number.chars().rev() {
        if c == ' ' || c == '-' {
            continue;
        }
        let Some(d) = digit_value(c) else { return false };
        let d = if count % 2 == 1 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
        sum += d;
        count += 1;
    }
    count > 0 && sum % 10 == 0
}

/// Weights of the 17 leading digits of a PRC resident ID number (GB 11643-1999, ISO 7064
/// MOD 11-2).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character of a PRC resident ID number whose first 17 characters are `first17`
/// (digits), or `None` if they are not 17 digits.
pub fn prc_id_check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17.chars().map(digit_value).collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(ID_CHECK[(sum % 11) as usize])
}

/// Whether `id` is a well-formed 18-character PRC resident ID number: a plausible region code,
/// a real birth date (1900–2099) and the right check character (`X` in either case).
pub fn prc_id_valid(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let first17: String = chars[..17].iter().collect();
    let Some(check) = prc_id_check_char(&first17) else { return false };
    let last = match digit_value(chars[17]) {
        Some(d) => char::from(b'0' + d as u8),
        None => chars[17].to_ascii_uppercase(),
    };
    if last != check {
        return false;
    }
    let digits: Vec<u32> = chars[..17].iter().filter_map(|&c| digit_value(c)).collect();
    let number = |range: std::ops::Range<usize>| digits[range].iter().fold(0, |n, d| n * 10 + d);
    // Region codes start 1–8 (mainland provinces, Taiwan, Hong Kong and Macau).
    if !(1..=8).contains(&digits[0]) {
        return false;
    }
    let (year, month, day) = (number(6..10), number(10..12), number(12..14));
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known_numbers() {
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(luhn_valid("5500-0000-0000-0004"));
        assert!(!luhn_valid("4111 1111 1111 1112"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4111a1111"));
        assert!(luhn_valid("４１１１１１１１１１１１１１１１"));
    }

    #[test]
    fn prc_id_known_numbers() {
        // The standard's worked example.
        assert!(prc_id_valid("11010519491231002X"));
        assert!(prc_id_valid("11010519491231002x"));
        assert!(!prc_id_valid("110105194912310021"));
        // Valid checksum is not enough: the date must exist.
        let first17 = "11010519490231002";
        let id = format!("{first17}{}", prc_id_check_char(first17).unwrap());
        assert!(!prc_id_valid(&id));
        assert!(!prc_id_valid("1101051949123100"));
    }
}
