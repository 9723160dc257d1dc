//! Behaviour of the routing engine through its public API, with explicit instants.

mod away;
mod capacity;
mod explain;
mod hours;
mod invariants;
mod language;
mod offers;
mod ordering;
mod positions;
mod presence;
mod properties;
mod restore;
mod skills;
mod sla;
mod stats;
mod sticky;
mod support;
mod transfer;
