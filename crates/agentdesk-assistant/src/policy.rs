//! What a supervisor allows for one merchant (on or off, which features, a daily token budget), kept
//! in the merchant's database, and whether the agent can use the assistant now.

use agentdesk_workspace::{AssistantOff, Feature};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the policy is kept in the merchant's database.
pub(crate) const POLICY_KEY: &str = "assistant.policy";
/// The platform's day starts at midnight in China (UTC+8), as the dashboard's does.
const DAY_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssistantPolicy {
    pub enabled: bool,
    pub draft: bool,
    pub summary: bool,
    pub translate: bool,
    pub rewrite: bool,
    /// A draft starts by itself for each new customer question.
    pub draft_on_new_question: bool,
    /// Tokens (prompt and answer) the merchant's agents on this desk may use a day; 0 = no limit.
    pub daily_token_budget: u32,
}

impl AssistantPolicy {
    /// Off until a supervisor turns it on (a merchant decides whether its customers' conversations
    /// go to a model provider at all).
    pub fn off() -> AssistantPolicy {
        AssistantPolicy {
            enabled: false,
            draft: true,
            summary: true,
            translate: true,
            rewrite: true,
            draft_on_new_question: false,
            daily_token_budget: 200_000,
        }
    }

    pub(crate) fn allows(&self, feature: Feature) -> bool {
        match feature {
            Feature::Draft => self.draft,
            Feature::Summary => self.summary,
            Feature::Translate => self.translate,
            Feature::Rewrite => self.rewrite,
        }
    }

    /// The audit log's account of a change.
    pub(crate) fn describe(&self) -> String {
        format!(
            "enabled={} draft={} summary={} translate={} rewrite={} auto={} budget={}",
            self.enabled,
            self.draft,
            self.summary,
            self.translate,
            self.rewrite,
            self.draft_on_new_question,
            self.daily_token_budget
        )
    }
}

/// Whether the assistant is on, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistantStatus {
    pub on: bool,
    pub off_reason: Option<AssistantOff>,
    pub policy: AssistantPolicy,
    /// The provider's host and model (never its key).
    pub provider: Option<String>,
    pub model: Option<String>,
    pub tokens_today: u32,
}

/// Why the assistant cannot run with `policy`, a provider or not, and `tokens_today` used.
pub(crate) fn off_reason(
    policy: &AssistantPolicy,
    has_provider: bool,
    tokens_today: u32,
) -> Option<AssistantOff> {
    if !policy.enabled {
        Some(AssistantOff::TurnedOff)
    } else if !has_provider {
        Some(AssistantOff::NoProvider)
    } else if policy.daily_token_budget > 0 && tokens_today >= policy.daily_token_budget {
        Some(AssistantOff::BudgetSpent)
    } else {
        None
    }
}

/// When the platform's day that holds `now_ms` began.
pub(crate) fn day_start_ms(now_ms: i64) -> i64 {
    (now_ms + DAY_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - DAY_OFFSET_MS
}

/// What the agent is told when the assistant cannot run.
pub(crate) fn off_in_words(why: AssistantOff) -> &'static str {
    match why {
        AssistantOff::TurnedOff => "the assistant is off for this merchant: a supervisor turns it on under Supervisor → Merchants",
        AssistantOff::NoProvider => "no model provider is set up: choose one in Settings → Assistant",
        AssistantOff::BudgetSpent => "today's token budget for the assistant is used up: it is available again tomorrow, or a supervisor raises the budget",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_in_china_on_every_day_of_the_year() {
        // 2026-02-28 15:59:59 UTC is 23:59:59 in China; a second later the 1st of March begins.
        let last_second = 1_772_294_399_000;
        let next_day = last_second + 1000;
        assert_eq!(day_start_ms(next_day), next_day);
        assert_eq!(day_start_ms(last_second), next_day - DAY_MS);
    }

    #[test]
    fn off_says_the_first_reason_that_applies() {
        let on = AssistantPolicy {
            enabled: true,
            daily_token_budget: 100,
            ..AssistantPolicy::off()
        };
        assert_eq!(
            off_reason(&AssistantPolicy::off(), true, 0),
            Some(AssistantOff::TurnedOff)
        );
        assert_eq!(off_reason(&on, false, 0), Some(AssistantOff::NoProvider));
        assert_eq!(off_reason(&on, true, 100), Some(AssistantOff::BudgetSpent));
        assert_eq!(off_reason(&on, true, 99), None);
    }
}
