//! What the integration tests share: the fixtures and the configuration they were made with
//! (tests/fixtures/generate.py holds the same values).

use std::path::PathBuf;

use switchboard_channel::Secret;
use switchboard_email::{OwnMailbox, ParseLimits, ParsedMail, parse_mail};

pub const SECRET: &str = "fixture-secret-not-for-production";
pub const SUPPORT: &str = "support@help.wallet.example";

pub const CONV_REFUND: &str = "cv_01955b3c8d2e7f4a9b1c2d3e4f5a6b7c";
pub const CONV_TRANSFER: &str = "cv_01955c0a1b2c3d4e5f60718293a4b5c6";
pub const CONV_CARD: &str = "cv_01955d7e8f90a1b2c3d4e5f607182930";

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The raw bytes of one fixture.
pub fn raw(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Every fixture, by name, in a stable order.
pub fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("the fixture directory")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".eml"))
        .collect();
    names.sort();
    names.into_iter().map(|name| (name.clone(), raw(&name))).collect()
}

/// One fixture, parsed with the default limits.
pub fn parsed(name: &str) -> ParsedMail {
    parse_mail(&raw(name), &ParseLimits::new()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn own() -> OwnMailbox {
    OwnMailbox::new(SUPPORT, Secret::new(SECRET)).expect("a valid support mailbox")
}
