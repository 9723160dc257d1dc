//! Behaviour of the routing engine through its public API, with explicit instants.

mod invariants;
mod offers;
mod ordering;
mod positions;
mod presence;
mod restore;
mod support;
mod transfer;
