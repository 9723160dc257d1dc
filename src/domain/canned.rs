//! Canned responses: replies shared by every agent, one per language and title, that agents
//! insert into their reply box and supervisors keep. Their text may hold the placeholders
//! `{customer_name}` and `{reference}`, which the console fills in when it inserts one.

use super::Millis;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most canned responses kept: the console sends them all at once.
pub const MAX_CANNED: usize = 500;

/// One shared reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedResponse {
    /// `cr_…`.
    pub id: String,
    /// The language it is written in (`zh`, `en`, …).
    pub lang: String,
    pub title: String,
    pub text: String,
    /// The name of the supervisor who saved it last.
    pub updated_by: String,
    pub updated_at: Millis,
}

impl CannedResponse {
    /// A fresh id for a new canned response.
    pub fn new_id() -> String {
        format!("cr_{}", uuid::Uuid::now_v7().simple())
    }

    /// What is wrong with a response's fields, if anything: a short language tag, and a title
    /// and text that are not blank and not too long.
    pub fn check(lang: &str, title: &str, text: &str) -> Result<(), String> {
        let tag_ok = (2..=12).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !tag_ok {
            return Err(format!("lang {lang:?} is not a language tag such as zh or en"));
        }
        for (field, value, max) in [("title", title, MAX_TITLE_CHARS), ("text", text, MAX_TEXT_CHARS)] {
            if value.trim().is_empty() {
                return Err(format!("{field} is empty"));
            }
            if value.chars().count() > max {
                return Err(format!("{field} is longer than {max} characters"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CannedResponse;

    #[test]
    fn fields_are_checked() {
        assert!(CannedResponse::check("zh", "问候", "您好 {customer_name}").is_ok());
        assert!(CannedResponse::check("en-GB", "Hi", "Hello").is_ok());
        assert!(CannedResponse::check("", "Hi", "Hello").unwrap_err().contains("lang"));
        assert!(CannedResponse::check("e n", "Hi", "Hello").unwrap_err().contains("lang"));
        assert!(CannedResponse::check("en", "  ", "Hello").unwrap_err().contains("title is empty"));
        assert!(CannedResponse::check("en", "Hi", &"x".repeat(4001)).unwrap_err().contains("text is longer"));
    }
}
