//! Offers: the outstanding ones, how their ids are made, and a bounded memory of closed ones so a
//! late accept is answered with what happened to the offer rather than "not found".

use std::collections::{BTreeMap, VecDeque};

use crate::action::RevokeReason;
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;

/// How many closed offers are remembered; a late answer to an older one is merely "not found".
const CLOSED_REMEMBERED: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub(crate) conversation: ConversationId,
    pub(crate) agent: AgentId,
    pub(crate) expires_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OfferOutcome {
    Accepted,
    Declined,
    Revoked(RevokeReason),
}

#[derive(Debug, Default)]
pub(crate) struct ClosedOffers {
    outcomes: BTreeMap<OfferId, (AgentId, OfferOutcome)>,
    oldest_first: VecDeque<OfferId>,
}

impl ClosedOffers {
    pub(crate) fn record(&mut self, offer: OfferId, agent: AgentId, outcome: OfferOutcome) {
        self.outcomes.insert(offer.clone(), (agent, outcome));
        self.oldest_first.push_back(offer);
        if self.oldest_first.len() > CLOSED_REMEMBERED
            && let Some(forgotten) = self.oldest_first.pop_front()
        {
            self.outcomes.remove(&forgotten);
        }
    }

    pub(crate) fn get(&self, offer: &OfferId) -> Option<&(AgentId, OfferOutcome)> {
        self.outcomes.get(offer)
    }
}

/// Makes `offer-<start>-<n>`: the engine's start instant keeps ids from an earlier run (still on
/// an agent's screen across a daemon restart) from matching a new offer.
#[derive(Debug)]
pub(crate) struct OfferIds {
    started: Millis,
    issued: u64,
}

impl OfferIds {
    pub(crate) fn new(started: Millis) -> Self {
        Self { started, issued: 0 }
    }

    pub(crate) fn next_id(&mut self) -> OfferId {
        self.issued += 1;
        OfferId::new(format!("offer-{}-{}", self.started.0, self.issued))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_per_start() {
        let mut first = OfferIds::new(Millis(5));
        let mut second = OfferIds::new(Millis(6));
        assert_eq!(first.next_id().as_str(), "offer-5-1");
        assert_eq!(first.next_id().as_str(), "offer-5-2");
        assert_eq!(second.next_id().as_str(), "offer-6-1");
    }

    #[test]
    fn forgets_the_oldest_beyond_the_bound() {
        let mut closed = ClosedOffers::default();
        for n in 0..=CLOSED_REMEMBERED {
            closed.record(OfferId::new(n.to_string()), "a".into(), OfferOutcome::Declined);
        }
        assert!(closed.get(&"0".into()).is_none());
        assert!(closed.get(&"1".into()).is_some());
        assert!(closed.get(&CLOSED_REMEMBERED.to_string().into()).is_some());
    }
}
