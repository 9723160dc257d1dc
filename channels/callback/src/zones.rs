//! The time zone a customer is called in: the one the request names, else the configured
//! zone of the number's country, else the built-in table's, else the configured default.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;

use crate::country_zones::COUNTRY_ZONES;

/// Longest zone name looked up; the longest IANA name is about 30 characters.
const MAX_ZONE_NAME: usize = 64;

/// A zone of the tz database by its IANA name, or why there is none.
pub fn lookup(name: &str) -> Result<TimeZone, String> {
    if name.is_empty() || name.len() > MAX_ZONE_NAME {
        return Err("not a time zone name".into());
    }
    TimeZone::get(name).map_err(|_| format!("{name:?} is not an IANA time zone such as Asia/Shanghai"))
}

/// The zone's name as the database spells it (`asia/shanghai` is `Asia/Shanghai`).
pub fn canonical(name: &str) -> Result<String, String> {
    let zone = lookup(name)?;
    Ok(zone.iana_name().unwrap_or(name).to_owned())
}

/// Where customers' zones come from when their request names none.
#[derive(Clone, Debug)]
pub struct ZoneDefaults {
    by_country: BTreeMap<String, String>,
    fallback: String,
}

impl ZoneDefaults {
    /// From zones the configuration has checked already.
    pub fn new(by_country: &BTreeMap<String, String>, fallback: &str) -> Result<Self, String> {
        let by_country = by_country
            .iter()
            .map(|(country, zone)| Ok((country.clone(), canonical(zone)?)))
            .collect::<Result<_, String>>()?;
        Ok(Self { by_country, fallback: canonical(fallback)? })
    }

    /// The zone of a number from `country` (ISO code), when the request names none.
    pub fn for_country(&self, country: Option<&str>) -> &str {
        let Some(country) = country else { return &self.fallback };
        if let Some(zone) = self.by_country.get(country) {
            return zone;
        }
        COUNTRY_ZONES
            .binary_search_by(|(c, _)| (*c).cmp(country))
            .map_or(self.fallback.as_str(), |i| COUNTRY_ZONES[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(configured: &[(&str, &str)]) -> ZoneDefaults {
        let map = configured.iter().map(|(c, z)| ((*c).to_owned(), (*z).to_owned())).collect();
        ZoneDefaults::new(&map, "UTC").unwrap()
    }

    #[test]
    fn a_country_gets_its_first_listed_zone() {
        let d = defaults(&[]);
        assert_eq!(d.for_country(Some("CN")), "Asia/Shanghai");
        assert_eq!(d.for_country(Some("US")), "America/New_York");
        assert_eq!(d.for_country(Some("GB")), "Europe/London");
        assert_eq!(d.for_country(Some("HK")), "Asia/Hong_Kong");
    }

    #[test]
    fn the_configured_zone_of_a_country_comes_first() {
        let d = defaults(&[("US", "America/Los_Angeles")]);
        assert_eq!(d.for_country(Some("US")), "America/Los_Angeles");
        assert_eq!(d.for_country(Some("CN")), "Asia/Shanghai");
    }

    #[test]
    fn no_country_gets_the_default() {
        let d = defaults(&[]);
        assert_eq!(d.for_country(None), "UTC");
        assert_eq!(d.for_country(Some("XX")), "UTC");
    }

    #[test]
    fn names_are_checked_and_spelled_as_the_database_does() {
        assert_eq!(canonical("Asia/Shanghai").unwrap(), "Asia/Shanghai");
        assert!(lookup("Asia/Atlantis").unwrap_err().contains("not an IANA time zone"));
        assert!(lookup("").is_err());
        assert!(lookup(&"A".repeat(200)).is_err());
    }

    #[test]
    fn the_table_is_sorted_and_every_zone_in_it_is_known() {
        assert!(COUNTRY_ZONES.windows(2).all(|w| w[0].0 < w[1].0), "sorted for the binary search");
        for (country, zone) in COUNTRY_ZONES {
            assert!(lookup(zone).is_ok(), "{country}: {zone}");
        }
    }
}
