//! Where the view's facts come from besides the platform: the profile and order sources (a CRM or a
//! declarative REST connector), the carriers (SF Express directly, the rest through Kuaidi100), the
//! merchant's Jinshuju form (the customer's submissions), each
//! behind its own circuit breaker and the view's per-source timeout. They belong to the account, not
//! to a tenant: a tenant switch keeps them (and what their breakers learned).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_connectors::fanout::{CircuitBreaker, DEFAULT_TIMEOUT};
use agentdesk_connectors::forms::Jinshuju;
use agentdesk_connectors::logistics::kuaidi100::Kuaidi100Client;
use agentdesk_connectors::logistics::sf::SfClient;
use agentdesk_connectors::source::Connector;

/// The sources each have a breaker: the platform's own calls too.
const BREAKERS: [&str; 8] = [
    "platform",
    "record",
    "history",
    "profile",
    "orders",
    "kuaidi100",
    "sf",
    "forms",
];

/// The merchant's Jinshuju form the agent sends and whose submissions the view shows.
pub struct FormSource {
    pub client: Jinshuju,
    /// The form's token (the letters after `/f/` in its address).
    pub form: String,
    /// What the agent calls it ("售后登记").
    pub title: String,
}

pub struct CustomerSources {
    pub profile: Option<Arc<Connector>>,
    pub orders: Option<Arc<Connector>>,
    pub kuaidi100: Option<Kuaidi100Client>,
    /// SF Express's own route query, used for `shunfeng` waybills when configured.
    pub sf: Option<SfClient>,
    pub form: Option<FormSource>,
    breakers: HashMap<&'static str, CircuitBreaker>,
    /// How long the view waits for any one source.
    pub timeout: Duration,
}

impl CustomerSources {
    pub fn new(
        profile: Option<Arc<Connector>>,
        orders: Option<Arc<Connector>>,
        kuaidi100: Option<Kuaidi100Client>,
        sf: Option<SfClient>,
    ) -> CustomerSources {
        CustomerSources {
            profile,
            orders,
            kuaidi100,
            sf,
            form: None,
            breakers: BREAKERS
                .into_iter()
                .map(|name| (name, CircuitBreaker::new(3, Duration::from_secs(30))))
                .collect(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// With the merchant's Jinshuju form.
    pub fn with_form(mut self, form: FormSource) -> CustomerSources {
        self.form = Some(form);
        self
    }

    /// No sources beside the platform (an account without connectors).
    pub fn platform_only() -> CustomerSources {
        CustomerSources::new(None, None, None, None)
    }

    pub(crate) fn breaker(&self, name: &str) -> &CircuitBreaker {
        &self.breakers[name]
    }
}
