//! The 360° view of the customer in focus: who they are (the platform's record of the visitor and
//! its customer center), their past sessions on every channel, their CRM profile and orders (the
//! Qiyu CRM protocol or a declarative REST connector), and each order's parcel (SF Express directly,
//! other carriers through Kuaidi100), asked of every source at once, each with its own timeout and
//! circuit breaker. Answers are kept in the tenant's database: a view is first drawn from there with
//! its "as of" time, then refreshed. Personal data is masked unless the agent reveals it, and every
//! reveal is audited. The agent's notes about a customer live here too.
//!
//! One `Customers` service per workspace; its sources belong to the account and outlive a switch.

mod cards;
mod fetch;
mod notes;
mod sources;
mod view;

use std::sync::Arc;

use agentdesk_domain::mask_pii;
use agentdesk_store::{AuditEntry, Write};
use agentdesk_workspace::{ApiError, ErrorCode, ErrorReason, Workspace};

pub use notes::CustomerNoteView;
pub use sources::{CustomerSources, FormSource};
pub use view::{
    Card, CardState, CustomerView, FormFieldView, FormSubmissionView, OrderLineView, OrderView,
    PastSessionView, PersonalField, PlatformRecordView, ProfileView, ShipmentView,
    TrackingEventView,
};

use fetch::{Identity, ViewRequest};

/// The session's customer as far as the kept answers know them (unmasked: for the merchant's own
/// systems, never for the screen).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownCustomer {
    pub name: String,
    pub external_id: String,
    pub phone: String,
    pub email: String,
    pub newest_order: Option<String>,
}

/// The customer in front of the agent: the 360° view, a masked field in full (audited), notes.
pub struct Customers {
    workspace: Arc<Workspace>,
    sources: Arc<CustomerSources>,
}

impl Customers {
    pub fn new(workspace: Arc<Workspace>, sources: Arc<CustomerSources>) -> Customers {
        Customers { workspace, sources }
    }

    /// The view of the session's customer. `refresh: false` answers from the cache at once (a card
    /// never fetched is empty and `cached`); `refresh: true` asks every source whose kept answer is
    /// older than its TTL, all at once.
    pub async fn customer_view(
        &self,
        session_id: &str,
        refresh: bool,
    ) -> Result<CustomerView, ApiError> {
        self.workspace.ensure_open()?;
        let session = self.workspace.session(session_id).await?;
        let request = ViewRequest {
            workspace: &self.workspace,
            sources: &self.sources,
            session_id,
            refresh,
        };
        let (identity, identity_card) = request.identity(&session.visitor_id).await;
        let partner = Some(identity.partner_id.clone()).filter(|p| !p.is_empty());
        let record_key = fetch::record_key(&identity);
        let (record, history, profile, orders, forms) = tokio::join!(
            request.record(&identity, record_key.as_deref()),
            request.history(partner.as_deref()),
            request.profile(&identity),
            request.orders(&identity),
            request.forms(&identity),
        );
        // The customer center may know a phone or e-mail the visitor record did not: kept for the
        // next look-up (and for reveal).
        let identity = match (&record.value, &record_key) {
            (Some(_), Some(key)) => {
                request
                    .completed_identity(identity, &session.visitor_id, key)
                    .await
            }
            _ => identity,
        };
        if refresh {
            // What this view fetched is kept before it is shown: the next look (a switch back to
            // the session) reads it from the cache rather than racing the writer.
            self.workspace.answers().settled().await;
        }
        let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Ok(CustomerView {
            session_id: session_id.to_string(),
            name: nonempty(&identity.name).unwrap_or(session.visitor_name),
            partner_id: partner,
            phone: nonempty(&identity.phone).map(|p| mask_pii(&p).into_owned()),
            email: nonempty(&identity.email).map(|e| mask_pii(&e).into_owned()),
            identity: identity_card,
            record,
            history,
            profile,
            orders,
            forms,
            form_title: self.sources.form.as_ref().map(|f| f.title.clone()),
            profile_source: self.sources.profile.as_ref().map(|c| c.name().to_string()),
            orders_source: self.sources.orders.as_ref().map(|c| c.name().to_string()),
        })
    }

    /// What is known of the session's customer, from the kept answers only (no source is asked):
    /// who they are at the platform and the newest order's id. For the service's result written
    /// back to the merchant's own systems, where the customer's details in full belong.
    pub async fn known_customer(&self, session_id: &str) -> Result<KnownCustomer, ApiError> {
        let session = self.workspace.session(session_id).await?;
        let identity: Identity = self
            .workspace
            .answers()
            .get("platform", &session.visitor_id)
            .await
            .map(|(identity, _)| identity)
            .unwrap_or_default();
        let view = self.customer_view(session_id, false).await?;
        let nonempty = |s: String| if s.is_empty() { None } else { Some(s) };
        Ok(KnownCustomer {
            name: nonempty(identity.name).unwrap_or(session.visitor_name),
            external_id: identity.partner_id,
            phone: identity.phone,
            email: identity.email,
            newest_order: view
                .orders
                .value
                .and_then(|orders| orders.first().map(|o| o.id.clone())),
        })
    }

    /// The merchant's form link tagged with this session (`x_field_1` = the cid), for the agent to
    /// send: a submission made through it is matched to this customer.
    pub async fn form_link(&self, session_id: &str) -> Result<String, ApiError> {
        let session = self.workspace.session(session_id).await?;
        let form = self.sources.form.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "this merchant has no form set up; add its Jinshuju form in Settings → Connectors",
            )
        })?;
        form.client
            .tagged_link(&form.form, &session.id)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
    }

    /// Shows one masked field in full, and writes who saw what to the audit log (before the value
    /// is given).
    pub async fn reveal_customer_field(
        &self,
        session_id: &str,
        field: PersonalField,
    ) -> Result<String, ApiError> {
        let session = self.workspace.session(session_id).await?;
        let identity: Identity = self
            .workspace
            .answers()
            .get("platform", &session.visitor_id)
            .await
            .map(|(identity, _)| identity)
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::CustomerNotLoaded,
                    "the customer's details are not loaded yet: open the Customer tab first",
                )
            })?;
        let value = match field {
            PersonalField::Phone => identity.phone,
            PersonalField::Email => identity.email,
        };
        self.workspace
            .write(vec![Write::Audit(AuditEntry {
                at_ms: self.workspace.now_ms(),
                actor: self.workspace.actor(),
                endpoint: "reveal".into(),
                duration_ms: 0.0,
                outcome: "ok".into(),
                detail: format!("{field:?} of session {session_id}"),
            })])
            .await?;
        Ok(value)
    }
}
