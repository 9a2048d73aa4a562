//! The soak's agent: answers every customer message that asks for a reply, with a client message id
//! derived from the customer message's id, so answering twice (after a restart, or a missed event)
//! queues once.

use agentdesk_domain::{Direction, DomainEvent, Message};
use agentdesk_engine::EngineHandle;
use agentdesk_store::Database;
use tokio::sync::broadcast::error::RecvError;

pub const REPLY_MARKER: &str = "[reply]";

pub fn reply_text(question: &str) -> String {
    format!("re: {question}")
}

async fn answer(engine: &EngineHandle, message: &Message) {
    let Some(msg_id) = &message.msg_id else {
        return;
    };
    let client_msg_id = format!("reply-{msg_id}");
    if let Err(error) = engine
        .send_text_with_id(
            &message.session_id,
            &reply_text(&message.content),
            &client_msg_id,
        )
        .await
    {
        tracing::warn!(%error, "could not queue a reply");
    }
}

/// Answers what the store already holds, then every new message as it arrives.
pub async fn run(engine: EngineHandle, database: &Database) {
    let mut events = engine.subscribe();
    catch_up(&engine, database).await;
    loop {
        match events.recv().await {
            Ok(DomainEvent::MessageStored { message })
                if message.direction == Direction::In && message.content.contains(REPLY_MARKER) =>
            {
                answer(&engine, &message).await;
            }
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => catch_up(&engine, database).await,
            Err(RecvError::Closed) => return,
        }
    }
}

pub async fn catch_up(engine: &EngineHandle, database: &Database) {
    let questions = match database
        .open_read_only()
        .and_then(|store| store.inbound_containing(REPLY_MARKER))
    {
        Ok(questions) => questions,
        Err(error) => {
            tracing::warn!(%error, "cannot scan for unanswered questions");
            return;
        }
    };
    for question in &questions {
        answer(engine, question).await;
    }
}
