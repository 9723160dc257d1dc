//! Skills with levels: how they are spelled (`refund`, `refund:2`) and when an agent's skills
//! meet a requirement.

use std::collections::BTreeMap;

/// Skill names (lowercase) with their levels, 1 to [`MAX_SKILL_LEVEL`].
pub type Skills = BTreeMap<String, u8>;

/// The highest level a skill can have.
pub const MAX_SKILL_LEVEL: u8 = 9;

/// A skill spelling that cannot be read; the message quotes it and says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SkillError(pub String);

/// Reads `refund` (level 1) or `refund:2` (level 1 to 9). Names are lowercased and may hold
/// letters, digits, `-` and `_`.
pub fn parse_skill(s: &str) -> Result<(String, u8), SkillError> {
    let spelling = s.trim();
    let (name, level) = match spelling.split_once(':') {
        None => (spelling, 1),
        Some((name, level)) => match level.trim().parse::<u8>() {
            Ok(level @ 1..=MAX_SKILL_LEVEL) => (name.trim(), level),
            _ => {
                return Err(SkillError(format!(
                    "skill {spelling:?}: the level after ':' must be a whole number from 1 to {MAX_SKILL_LEVEL}"
                )));
            }
        },
    };
    if name.is_empty() {
        return Err(SkillError(format!("skill {spelling:?}: the name is empty")));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(SkillError(format!("skill {spelling:?}: a name may hold only letters, digits, '-' and '_'")));
    }
    Ok((name.to_lowercase(), level))
}

/// Adds spelled skills for the builders. A spelling that does not parse is kept as written (at
/// level 1) rather than dropped: as an agent's skill it matches nothing, as a requirement nobody
/// meets it, so a typo never routes work to the wrong agent. Configuration should be checked
/// with [`parse_skill`] first.
pub(crate) fn add_spelled<S: Into<String>>(skills: &mut Skills, spellings: impl IntoIterator<Item = S>) {
    for spelling in spellings {
        let spelling = spelling.into();
        let (name, level) = parse_skill(&spelling).unwrap_or((spelling, 1));
        require(skills, &name, level);
    }
}

/// Adds a requirement; of two levels for the same skill the higher one binds.
pub(crate) fn require(skills: &mut Skills, name: &str, level: u8) {
    let current = skills.entry(name.to_owned()).or_insert(level);
    *current = (*current).max(level);
}

/// The first requirement `have` does not meet.
pub(crate) fn first_missing<'a>(have: &Skills, need: &'a Skills) -> Option<(&'a str, u8)> {
    need.iter()
        .find(|(name, level)| have.get(*name).is_none_or(|had| had < level))
        .map(|(name, level)| (name.as_str(), *level))
}

pub(crate) fn meets(have: &Skills, need: &Skills) -> bool {
    need.iter().all(|(name, level)| have.get(name).is_some_and(|had| had >= level))
}

/// `zh` at level 1, `refund:2` above.
pub(crate) fn spell(name: &str, level: u8) -> String {
    if level <= 1 { name.to_owned() } else { format!("{name}:{level}") }
}

/// `zh, refund:2`.
pub(crate) fn describe(skills: &Skills) -> String {
    skills.iter().map(|(name, level)| spell(name, *level)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(parse_skill("refund"), Ok(("refund".to_owned(), 1)));
        assert_eq!(parse_skill(" Refund:2 "), Ok(("refund".to_owned(), 2)));
        assert_eq!(parse_skill("zh:9"), Ok(("zh".to_owned(), 9)));
        let error = parse_skill("zh:0").expect_err("level 0");
        assert_eq!(error.to_string(), "skill \"zh:0\": the level after ':' must be a whole number from 1 to 9");
        assert!(parse_skill("zh:10").is_err());
        assert!(parse_skill(":2").expect_err("no name").to_string().contains("the name is empty"));
        assert!(parse_skill("a b").is_err());
    }

    #[test]
    fn levels_meet_lower_requirements() {
        let mut have = Skills::new();
        add_spelled(&mut have, ["refund:2", "zh"]);
        let mut need = Skills::new();
        require(&mut need, "refund", 1);
        assert!(meets(&have, &need));
        require(&mut need, "refund", 3);
        assert_eq!(first_missing(&have, &need), Some(("refund", 3)));
        assert_eq!(describe(&have), "refund:2, zh");
    }
}
