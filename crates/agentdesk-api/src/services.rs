//! One workspace and the services built on it: what the window works with while that tenant is on
//! screen. The host builds it whole when a tenant comes on screen and closes it whole when another
//! takes its place: the assistant's calls end (on record in the tenant's own database), the mood
//! judge and the knowledge base's understanding stop, then the workspace's engine.

use std::sync::Arc;

use agentdesk_assistant::{Assistant, ProviderSlot};
use agentdesk_customer360::{CustomerSources, Customers};
use agentdesk_http::HttpClient;
use agentdesk_knowledge::Knowledge;
use agentdesk_payments::PaymentDesk;
use agentdesk_reports::Reports;
use agentdesk_sobot::client::UnionClient;
use agentdesk_tickets::TicketDesk;
use agentdesk_workspace::Workspace;

use crate::conversations::Conversations;
use crate::images::PlatformImages;
use crate::payments::PaymentSystems;
use crate::supervision::Supervision;
use crate::tickets::TicketPlan;
use crate::voice::VoiceReader;
use crate::write_backs::WriteBacks;

/// What belongs to the account and outlives a tenant switch: handed to each workspace's services.
pub(crate) struct AccountServices {
    pub sources: Arc<CustomerSources>,
    pub union: Option<Arc<UnionClient>>,
    pub provider: ProviderSlot,
    /// The model provider's client (streamed answers).
    pub llm_http: HttpClient,
    pub images: Arc<PlatformImages>,
    /// The ticket systems' client, and which systems each merchant uses.
    pub tickets_http: HttpClient,
    pub tickets: TicketPlan,
    /// The payment systems, and which merchants take each.
    pub payments: PaymentSystems,
    /// The speech service voice messages are read with (none: they stay audio only).
    pub speech: Option<Arc<agentdesk_voice::Nls>>,
}

pub(crate) struct WorkspaceServices {
    pub workspace: Arc<Workspace>,
    pub conversations: Arc<Conversations>,
    pub customers: Arc<Customers>,
    pub knowledge: Arc<Knowledge>,
    pub assistant: Arc<Assistant>,
    pub reports: Arc<Reports>,
    pub supervision: Arc<Supervision>,
    pub tickets: Arc<TicketDesk>,
    pub payments: Arc<PaymentDesk>,
    pub voice: Arc<VoiceReader>,
    pub write_backs: Arc<WriteBacks>,
}

impl WorkspaceServices {
    /// The services of `workspace`, started.
    /// `events`: the desk's event stream, for the services that follow others' progress.
    pub(crate) fn start(
        workspace: Arc<Workspace>,
        account: &AccountServices,
        events: agentdesk_workspace::Subscription,
    ) -> WorkspaceServices {
        let customers = Arc::new(Customers::new(workspace.clone(), account.sources.clone()));
        let knowledge = Arc::new(Knowledge::start(workspace.clone()));
        let assistant = Arc::new(Assistant::new(
            workspace.clone(),
            knowledge.clone(),
            customers.clone(),
            account.provider.clone(),
            account.llm_http.clone(),
        ));
        let write_backs = WriteBacks::start(
            workspace.clone(),
            [&account.sources.profile, &account.sources.orders]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            customers.clone(),
            events,
        );
        WorkspaceServices {
            conversations: Arc::new(Conversations::new(
                workspace.clone(),
                account.images.clone(),
                write_backs.clone(),
                customers.clone(),
            )),
            write_backs,
            reports: Arc::new(Reports::new(
                workspace.clone(),
                account.union.clone(),
                assistant.clone(),
            )),
            supervision: Arc::new(Supervision::new(workspace.clone(), account.union.clone())),
            tickets: TicketDesk::start(
                workspace.clone(),
                account.tickets_http.clone(),
                account.tickets.for_tenant(&workspace.tenant_id()),
            ),
            voice: VoiceReader::start(
                workspace.clone(),
                account.speech.clone(),
                account.images.clone(),
            ),
            payments: PaymentDesk::start(
                workspace.clone(),
                account.payments.for_tenant(&workspace.tenant_id()),
            ),
            customers,
            knowledge,
            assistant,
            workspace,
        }
    }

    /// Ends everything of the workspace: the assistant's calls (recorded first), the mood judge and
    /// the understanding, then the engine; the tickets' and payments' background work ends with it
    /// (an attempt or link still unsettled stays in its journal for the next start).
    pub(crate) async fn close(&self) {
        self.assistant.close().await;
        self.knowledge.close();
        self.workspace.close().await;
        self.tickets.close().await;
        self.payments.close().await;
        self.voice.close().await;
        self.write_backs.close().await;
    }
}
