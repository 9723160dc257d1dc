//! `POST /v1/agent/login`: password login for agents. Failures are limited strictly per login
//! name, so no one account can be guessed at speed from any number of addresses, and loosely
//! per client address, so one client cannot spray guesses over many names. Agents behind one
//! NAT share an address: their typos never lock each other out below the loose limit, and an
//! agent who has logged in from an address before still gets in from it above the limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use switchboard_channel::{ErrorCode, Millis, SharedClock};

use super::ConsoleState;
use crate::config::ConsoleConfig;
use crate::domain::to_rfc3339;
use crate::http::error::ApiError;

/// Longest login or password looked at; anything longer is refused before hashing.
const MAX_FIELD: usize = 256;
/// The window the configured limits count failures over.
const WINDOW: Duration = Duration::from_secs(60);
/// How long an address an agent logged in from stays known for that agent.
const KNOWN_PAIR_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Most (address, login) pairs remembered; past it the longest unused is forgotten.
const MAX_KNOWN_PAIRS: usize = 10_000;
/// Most names, or addresses, with failures still counted at once. A flood that fills the
/// book is refused for new keys until counts decay, rather than evicting (and so forgiving)
/// the failures of others.
const MAX_COUNTED: usize = 100_000;
/// A book is swept for decayed counts when it grows past twice its size at the last sweep,
/// and never below this many keys: sweeping stays amortised O(1) per failure.
const MIN_SWEEP: usize = 1024;

/// Failed logins per minute, strictly per login name and loosely per client address, and
/// the (address, login) pairs that have logged in before.
pub struct LoginLimits {
    clock: SharedClock,
    books: Mutex<Books>,
}

struct Books {
    by_name: FailureBook<String>,
    by_address: FailureBook<IpAddr>,
    known: KnownPairs,
}

/// A login attempt let through to the password check, with its failure already counted (so
/// concurrent guesses cannot all slip under the limit before any of them fails). Dropping it
/// without [`LoginLimits::finish`] leaves the failure counted.
#[derive(Debug)]
struct Attempt {
    name: String,
    address: IpAddr,
    /// False when the address was over its limit and the attempt passed as a known pair.
    address_counted: bool,
}

/// How a checked attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    /// The password could not be checked (the store failed): not the client's failure.
    Unchecked,
}

impl LoginLimits {
    pub fn new(config: &ConsoleConfig, clock: SharedClock) -> Self {
        let books = Books {
            by_name: FailureBook::new(config.login_attempts_per_minute),
            by_address: FailureBook::new(config.login_failures_per_address_per_minute),
            known: KnownPairs::default(),
        };
        Self { clock, books: Mutex::new(books) }
    }

    /// Decides, before the password is looked at, whether to check it at all; `None` means
    /// refuse with 429. A name over its limit is refused whoever asks; an address over its
    /// limit only for logins that have not succeeded from it before.
    fn begin(&self, login: &str, address: IpAddr) -> Option<Attempt> {
        let now = micros(self.clock.now());
        let name = login.to_lowercase();
        let address = network(address);
        let mut books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        if !books.by_name.has_room(&name, now) {
            return None;
        }
        let address_counted = books.by_address.has_room(&address, now) && books.by_address.count(address, now);
        if !address_counted && !books.known.contains(address, &name, now) {
            return None;
        }
        if !books.by_name.count(name.clone(), now) {
            if address_counted {
                books.by_address.forgive(&address);
            }
            return None;
        }
        Some(Attempt { name, address, address_counted })
    }

    /// Settles a checked attempt: a success, or a password that could not be checked, takes
    /// back the failure counted for it, and a success makes its address known for its login.
    fn finish(&self, attempt: Attempt, outcome: Outcome) {
        if outcome == Outcome::Failed {
            return;
        }
        let now = micros(self.clock.now());
        let mut books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        books.by_name.forgive(&attempt.name);
        if attempt.address_counted {
            books.by_address.forgive(&attempt.address);
        }
        if outcome == Outcome::Succeeded {
            books.known.remember(attempt.address, attempt.name, now);
        }
    }
}

/// Microseconds: a minute divided by a limit such as 7 is not a whole number of milliseconds.
fn micros(t: Millis) -> i64 {
    t.0.saturating_mul(1000)
}

/// The address a client is counted by: an IPv4 address as it is, an IPv6 address by its /64,
/// the smallest network one subscriber is given (anyone with one has 2^64 addresses).
fn network(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

/// Failures per key, each decaying over the window: a key's entry is the time its count will
/// be back to zero, and every failure moves that on by one share of the window (the window
/// divided by the limit). A failure fits while that time stays within one window from now.
struct FailureBook<K> {
    share_us: i64,
    clear_at: HashMap<K, i64>,
    sweep_at: usize,
}

impl<K: Hash + Eq> FailureBook<K> {
    fn new(per_window: u32) -> Self {
        let window_us = WINDOW.as_micros() as i64;
        Self { share_us: window_us / i64::from(per_window.max(1)), clear_at: HashMap::new(), sweep_at: MIN_SWEEP }
    }

    fn has_room(&self, key: &K, now: i64) -> bool {
        let clear_at = self.clear_at.get(key).map_or(now, |&at| at.max(now));
        clear_at + self.share_us - now <= WINDOW.as_micros() as i64
    }

    /// Counts one failure; false (nothing counted) when the book is full of live counts.
    fn count(&mut self, key: K, now: i64) -> bool {
        if !self.clear_at.contains_key(&key) {
            if self.clear_at.len() >= self.sweep_at {
                self.clear_at.retain(|_, at| *at > now);
                self.sweep_at = (self.clear_at.len() * 2).max(MIN_SWEEP);
            }
            if self.clear_at.len() >= MAX_COUNTED {
                return false;
            }
        }
        let at = self.clear_at.entry(key).or_insert(now);
        *at = (*at).max(now) + self.share_us;
        true
    }

    /// Takes back a failure counted for an attempt that turned out not to be one.
    fn forgive(&mut self, key: &K) {
        if let Some(at) = self.clear_at.get_mut(key) {
            *at -= self.share_us;
        }
    }
}

/// (address, login) pairs that have logged in, with when they last did.
#[derive(Default)]
struct KnownPairs {
    last_success: HashMap<(IpAddr, String), i64>,
}

impl KnownPairs {
    fn contains(&self, address: IpAddr, name: &str, now: i64) -> bool {
        let ttl = KNOWN_PAIR_TTL.as_micros() as i64;
        self.last_success.get(&(address, name.to_owned())).is_some_and(|&at| now - at < ttl)
    }

    fn remember(&mut self, address: IpAddr, name: String, now: i64) {
        let key = (address, name);
        if !self.last_success.contains_key(&key) && self.last_success.len() >= MAX_KNOWN_PAIRS {
            let ttl = KNOWN_PAIR_TTL.as_micros() as i64;
            self.last_success.retain(|_, at| now - *at < ttl);
            if self.last_success.len() >= MAX_KNOWN_PAIRS
                && let Some(oldest) = self.last_success.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone())
            {
                self.last_success.remove(&oldest);
            }
        }
        self.last_success.insert(key, now);
    }
}

/// What passwords are checked against when there is no agent to check them for (unknown or
/// disabled), so that such a login takes as long as a wrong password and the time of the
/// answer does not tell which logins exist. Made once, on first use, the way
/// `switchboard agent add` makes real hashes (argon2's defaults), from a random password
/// nobody knows.
fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        let password: [u8; 32] = rand::random();
        Argon2::default()
            .hash_password(&password, &salt)
            // Default parameters and a generated salt are always valid input.
            .expect("argon2 hashes with its default parameters")
            .to_string()
    });
    &DUMMY
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "wrong login or password")
}

/// A string field of the request body, or an answer naming what is wrong with it.
fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message);
    let Some(fields) = body.as_object() else {
        return Err(bad("body must be a JSON object".into()));
    };
    match fields.get(name) {
        None | Some(Value::Null) => Err(bad(format!("field `{name}` is missing"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(bad(format!("field `{name}` must be a string"))),
    }
}

pub async fn login(
    State(state): State<Arc<ConsoleState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(ApiError::from_json_rejection)?;
    let login = string_field(&body, "login")?;
    let password = string_field(&body, "password")?;
    if login.len() > MAX_FIELD || password.len() > MAX_FIELD {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, "login or password too long"));
    }
    let limits = &state.login_limits;
    let Some(attempt) = limits.begin(login, peer.ip()) else {
        tracing::warn!(address = %peer.ip(), "Login rate limited");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many failed logins; wait a minute",
        ));
    };
    let agent = match state.store.agent_by_login(login).await {
        Ok(agent) => agent.filter(|a| !a.disabled),
        Err(e) => {
            limits.finish(attempt, Outcome::Unchecked);
            tracing::error!(error = %e, "Agent lookup failed");
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "try again shortly"));
        }
    };
    let hash = agent.as_ref().map(|a| a.password_hash.clone());
    let password = password.to_owned();
    // argon2 is deliberately slow: keep it off the async workers.
    let valid = tokio::task::spawn_blocking(move || match &hash {
        Some(hash) => verify(hash, &password),
        None => verify(dummy_hash(), &password),
    })
    .await
    .unwrap_or(false);
    let Some(agent) = agent.filter(|_| valid) else {
        limits.finish(attempt, Outcome::Failed);
        tracing::info!(address = %peer.ip(), "Login refused");
        return Err(unauthorized());
    };
    limits.finish(attempt, Outcome::Succeeded);
    let (token, expires_at) = state.agent_tokens.issue(&agent.id, state.clock.now());
    tracing::info!(agent_id = %agent.id, "Logged in");
    Ok(Json(json!({ "token": token, "expires_at": to_rfc3339(expires_at) })))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use switchboard_channel::ManualClock;

    use super::*;

    const OFFICE: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    const ELSEWHERE: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));

    fn limits(per_name: u32, per_address: u32) -> (LoginLimits, ManualClock) {
        let clock = ManualClock::new(Millis(1_700_000_000_000));
        let config = ConsoleConfig {
            login_attempts_per_minute: per_name,
            login_failures_per_address_per_minute: per_address,
            ..ConsoleConfig::default()
        };
        (LoginLimits::new(&config, Arc::new(clock.clone())), clock)
    }

    fn fail(limits: &LoginLimits, login: &str, address: IpAddr) -> bool {
        limits.begin(login, address).map(|a| limits.finish(a, Outcome::Failed)).is_some()
    }

    fn succeed(limits: &LoginLimits, login: &str, address: IpAddr) -> bool {
        limits.begin(login, address).map(|a| limits.finish(a, Outcome::Succeeded)).is_some()
    }

    #[test]
    fn failures_on_one_name_are_refused_past_the_limit_from_any_address() {
        let (limits, clock) = limits(3, 100);
        assert!(fail(&limits, "gina", OFFICE));
        assert!(fail(&limits, "Gina", ELSEWHERE), "names are counted case-insensitively");
        assert!(fail(&limits, "gina", IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9))));
        assert!(limits.begin("gina", OFFICE).is_none());
        assert!(limits.begin("GINA", ELSEWHERE).is_none());
        // A minute divided by 3: one failure has decayed after 20 s, not before.
        clock.advance(Duration::from_millis(19_999));
        assert!(limits.begin("gina", OFFICE).is_none());
        clock.advance(Duration::from_millis(1));
        assert!(fail(&limits, "gina", OFFICE));
        assert!(limits.begin("gina", OFFICE).is_none());
    }

    #[test]
    fn successes_are_not_failures() {
        let (limits, _) = limits(2, 2);
        for _ in 0..10 {
            assert!(succeed(&limits, "hana", OFFICE));
        }
        let unchecked = limits.begin("hana", OFFICE).unwrap();
        limits.finish(unchecked, Outcome::Unchecked);
        assert!(fail(&limits, "hana", OFFICE));
        assert!(fail(&limits, "hana", OFFICE));
        assert!(limits.begin("hana", OFFICE).is_none());
    }

    #[test]
    fn attempts_in_flight_count_before_they_fail() {
        let (limits, _) = limits(3, 100);
        let in_flight: Vec<Attempt> = (0..3).map(|_| limits.begin("ivan", OFFICE).unwrap()).collect();
        assert!(limits.begin("ivan", OFFICE).is_none(), "a fourth concurrent guess must wait");
        drop(in_flight);
        assert!(limits.begin("ivan", OFFICE).is_none(), "dropped attempts stay counted");
    }

    #[test]
    fn other_names_failures_do_not_refuse_a_login_below_the_address_limit() {
        let (limits, _) = limits(3, 20);
        for i in 0..19 {
            assert!(fail(&limits, &format!("typo{}", i % 7), OFFICE));
        }
        assert!(succeed(&limits, "jack", OFFICE));
    }

    #[test]
    fn over_the_address_limit_only_known_pairs_get_through() {
        let (limits, clock) = limits(3, 5);
        assert!(succeed(&limits, "kim", OFFICE));
        for i in 0..5 {
            assert!(fail(&limits, &format!("guess{i}"), OFFICE));
        }
        assert!(limits.begin("lee", OFFICE).is_none(), "a login never seen from here waits");
        assert!(succeed(&limits, "kim", OFFICE), "kim has logged in from here before");
        // Kim's own failures still count against kim's name, strictly.
        assert!(fail(&limits, "kim", OFFICE));
        assert!(fail(&limits, "kim", OFFICE));
        assert!(fail(&limits, "kim", OFFICE));
        assert!(limits.begin("kim", OFFICE).is_none());
        // Another address is not this one's business.
        assert!(succeed(&limits, "lee", ELSEWHERE));
        // A known pair is forgotten after its time.
        clock.advance(KNOWN_PAIR_TTL);
        for i in 0..5 {
            assert!(fail(&limits, &format!("again{i}"), OFFICE));
        }
        assert!(limits.begin("kim", OFFICE).is_none());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let (limits, _) = limits(10, 2);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(fail(&limits, "a", one));
        assert!(fail(&limits, "b", same_64));
        assert!(limits.begin("c", one).is_none());
        assert!(fail(&limits, "c", other_64));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(network(mapped), OFFICE);
    }

    #[test]
    fn decayed_counts_are_forgotten() {
        let (limits, clock) = limits(1, 1_000_000);
        for i in 0..MIN_SWEEP {
            assert!(fail(&limits, &format!("n{i}"), IpAddr::V4(Ipv4Addr::from(i as u32))));
        }
        clock.advance(WINDOW);
        assert!(fail(&limits, "late", OFFICE));
        let books = limits.books.lock().unwrap();
        assert_eq!(books.by_name.clear_at.len(), 1, "only the live count is kept");
        assert_eq!(books.by_address.clear_at.len(), 1);
    }

    #[test]
    fn known_pairs_are_bounded() {
        let mut known = KnownPairs::default();
        for i in 0..MAX_KNOWN_PAIRS + 10 {
            known.remember(OFFICE, format!("agent{i}"), i as i64);
        }
        assert_eq!(known.last_success.len(), MAX_KNOWN_PAIRS);
        assert!(!known.contains(OFFICE, "agent0", MAX_KNOWN_PAIRS as i64), "the longest unused went first");
        assert!(known.contains(OFFICE, "agent10009", MAX_KNOWN_PAIRS as i64));
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_ones() {
        let dummy = PasswordHash::new(dummy_hash()).unwrap();
        let (params, defaults) = (argon2::Params::try_from(&dummy).unwrap(), argon2::Params::default());
        let costs = |p: &argon2::Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(costs(&params), costs(&defaults));
        assert_eq!(dummy.algorithm, argon2::Algorithm::default().ident());
        assert!(!verify(dummy_hash(), ""));
    }

    #[test]
    fn body_fields_are_named_when_wrong() {
        let message = |body: Value, field: &str| string_field(&body, field).unwrap_err().message;
        assert_eq!(message(json!({ "password": "x" }), "login"), "field `login` is missing");
        assert_eq!(message(json!({ "login": 7 }), "login"), "field `login` must be a string");
        assert_eq!(message(json!([1]), "login"), "body must be a JSON object");
        assert_eq!(string_field(&json!({ "login": "kim" }), "login").unwrap(), "kim");
    }
}
