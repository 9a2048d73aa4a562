//! Sobot (智齿) platform support: the wire protocol (`protocol`, shared with the sandbox so both sides
//! agree on every field name) and the agent-side client (`client`): one token per credential, the
//! agent component SDK's HTTP operations, and the push connection actor.

pub mod client;
pub mod protocol;

pub use client::{
    AgentClient, AgentCredentials, ClientError, KnowledgeDoc, OutgoingMessage, PastMessage,
    PastSession, PlatformCustomer, PushConnection, PushEndpoint, PushInput, SendFailure,
};
