//! The console's canned-response frames: every agent lists them; supervisors add, replace and
//! delete them, and every open session then gets the new list.

use std::sync::Arc;

use switchboard_channel::ErrorCode;

use super::ConsoleState;
use crate::agent_wire::frames::ConsoleFrame;
use crate::agent_wire::view::canned_view;
use crate::domain::canned::MAX_CANNED;
use crate::domain::{Agent, CannedResponse};
use crate::store::StoreError;

/// A change a supervisor asks for.
pub enum CannedChange {
    Save { id: Option<String>, lang: String, title: String, text: String },
    Delete { id: String },
}

/// Why a change was refused: the code and words of the `error` frame, or the store's error.
pub enum CannedRefusal {
    Refused(ErrorCode, String),
    Store(StoreError),
}

impl From<StoreError> for CannedRefusal {
    fn from(e: StoreError) -> Self {
        CannedRefusal::Store(e)
    }
}

/// Every canned response as one frame.
pub async fn list(state: &ConsoleState) -> Result<ConsoleFrame, StoreError> {
    let responses = state.store.canned_responses().await?;
    Ok(ConsoleFrame::Canned { responses: responses.iter().map(canned_view).collect() })
}

/// Makes a supervisor's change, then sends the new list to every open session (the
/// supervisor's own included).
pub async fn change(state: &ConsoleState, by: &Agent, change: CannedChange) -> Result<(), CannedRefusal> {
    if !by.supervisor {
        return Err(CannedRefusal::Refused(ErrorCode::Forbidden, "only supervisors change canned responses".into()));
    }
    match change {
        CannedChange::Save { id, lang, title, text } => {
            let (lang, title) = (lang.trim().to_lowercase(), title.trim().to_owned());
            CannedResponse::check(&lang, &title, &text)
                .map_err(|why| CannedRefusal::Refused(ErrorCode::BadRequest, why))?;
            let canned = CannedResponse {
                id: id.clone().unwrap_or_else(CannedResponse::new_id),
                lang,
                title,
                text,
                updated_by: by.name.clone(),
                updated_at: state.clock.now(),
            };
            let id_of = canned.id.clone();
            match id {
                Some(_) => state.store.update_canned(canned).await?,
                None => state.store.add_canned(canned, MAX_CANNED).await?,
            }
            tracing::info!(canned_id = %id_of, supervisor = %by.id, "Canned response saved");
        }
        CannedChange::Delete { id } => {
            state.store.delete_canned(&id).await?;
            tracing::info!(canned_id = %id, supervisor = %by.id, "Canned response deleted");
        }
    }
    let frame = list(state).await?;
    state.hub.to_every_agent(&Arc::from(frame.to_json()));
    Ok(())
}
