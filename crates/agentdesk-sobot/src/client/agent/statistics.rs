//! 在线统计 API (reference §1.8): a company's human-service figures over a date range of at most one
//! month (`start_date` / `end_date`, `yyyy-MM-dd`; the platform answers 400003 beyond it). Rates
//! arrive as percentages in text ("45.20%") or as numbers, counts as numbers or numeric text; both
//! decode.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{truncate, AgentClient, ClientError};
use crate::protocol::lenient::opt_i64;

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_i64(d)?.unwrap_or_default())
}

/// A number, a numeric text, or a percentage text ("45.20%" → 45.2); anything else 0.
fn figure<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64().unwrap_or_default(),
        Some(Value::String(s)) => s.trim().trim_end_matches('%').parse().unwrap_or_default(),
        _ => 0.0,
    })
}

/// `human_satisfaction`: the company's ratings of human service (the documented fields; rates in
/// percent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HumanSatisfaction {
    #[serde(deserialize_with = "count")]
    pub effect_session_count: i64,
    /// Ratings received.
    #[serde(deserialize_with = "count")]
    pub total_times: i64,
    #[serde(deserialize_with = "figure")]
    pub comment_rate: f64,
    /// Ratings given without an invitation.
    #[serde(deserialize_with = "count")]
    pub initiative: i64,
    #[serde(deserialize_with = "count")]
    pub invites: i64,
    #[serde(deserialize_with = "figure")]
    pub invites_rate: f64,
    #[serde(deserialize_with = "count")]
    pub solved: i64,
    #[serde(deserialize_with = "count")]
    pub not_solved: i64,
    #[serde(deserialize_with = "figure")]
    pub solved_rate: f64,
    /// The average score.
    #[serde(deserialize_with = "figure")]
    pub avg_num: f64,
    #[serde(deserialize_with = "count")]
    pub good: i64,
    #[serde(deserialize_with = "count")]
    pub middle: i64,
    #[serde(deserialize_with = "count")]
    pub bad: i64,
    #[serde(deserialize_with = "count")]
    pub score1: i64,
    #[serde(deserialize_with = "count")]
    pub score2: i64,
    #[serde(deserialize_with = "count")]
    pub score3: i64,
    #[serde(deserialize_with = "count")]
    pub score4: i64,
    #[serde(deserialize_with = "count")]
    pub score5: i64,
}

/// `human_session`: the company's human-service totals over the range, one object, every field
/// text (php `OnlineStatistics/HumanSession/Response/Item.php`). No hourly breakdown exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HumanSessionTotals {
    /// 咨询会话: sessions customers opened with human service.
    #[serde(deserialize_with = "count")]
    pub consult_session: i64,
    #[serde(deserialize_with = "count")]
    pub valid_session: i64,
    #[serde(deserialize_with = "count")]
    pub invalid_session: i64,
    /// Sessions an agent answered.
    #[serde(deserialize_with = "count")]
    pub valid_reception_session: i64,
    /// Sessions no agent answered.
    #[serde(deserialize_with = "count")]
    pub not_reception_session: i64,
    #[serde(deserialize_with = "count")]
    pub transfer_session: i64,
    #[serde(deserialize_with = "count")]
    pub solved_session: i64,
    #[serde(deserialize_with = "count")]
    pub not_solved_session: i64,
    #[serde(deserialize_with = "figure")]
    pub avg_session_duration: f64,
}

impl AgentClient {
    /// Satisfaction over `start_date..=end_date` (at most one month), company-wide (no group filter
    /// is documented).
    pub async fn human_satisfaction(
        &self,
        start_date: &str,
        end_date: &str,
    ) -> Result<HumanSatisfaction, ClientError> {
        let envelope = self
            .open_call(
                reqwest::Method::POST,
                "/api/wb/5/data/human_satisfaction",
                &[("start_date", start_date), ("end_date", end_date)],
            )
            .await?;
        let item = envelope.item.unwrap_or(Value::Null);
        if item.is_null() {
            return Ok(HumanSatisfaction::default());
        }
        serde_json::from_value(item.clone()).map_err(|e| ClientError::Decode {
            endpoint: "human_satisfaction".into(),
            message: e.to_string(),
            body: truncate(&item.to_string()),
        })
    }

    /// Human-service totals over `start_date..=end_date` (at most one month), company-wide.
    pub async fn human_session(
        &self,
        start_date: &str,
        end_date: &str,
    ) -> Result<HumanSessionTotals, ClientError> {
        let envelope = self
            .open_call(
                reqwest::Method::POST,
                "/api/wb/5/data/human_session",
                &[("start_date", start_date), ("end_date", end_date)],
            )
            .await?;
        let item = envelope.item.unwrap_or(Value::Null);
        if item.is_null() {
            return Ok(HumanSessionTotals::default());
        }
        serde_json::from_value(item.clone()).map_err(|e| ClientError::Decode {
            endpoint: "human_session".into(),
            message: e.to_string(),
            body: truncate(&item.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_decode_from_percent_text_or_numbers() {
        let parsed: HumanSatisfaction = serde_json::from_value(serde_json::json!({
            "total_times": "12", "comment_rate": "45.20%", "solved_rate": 80, "avg_num": "4.5",
            "score5": 7, "good_rate": null
        }))
        .unwrap();
        assert_eq!(parsed.total_times, 12);
        assert_eq!(parsed.comment_rate, 45.2);
        assert_eq!(parsed.solved_rate, 80.0);
        assert_eq!(parsed.avg_num, 4.5);
        assert_eq!(parsed.score5, 7);
    }
}
