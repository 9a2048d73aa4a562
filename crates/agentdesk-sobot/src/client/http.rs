//! What the Sobot clients (the agent SDK, the open platform, the tenant API) add to the one HTTP
//! client (`agentdesk_http`): an answer read into a typed error (HTTP status, body, JSON, the
//! platform's `{retCode|ret_code, retMsg|ret_msg}` envelope). The client itself, its retry policy,
//! re-authentication and the ledger of calls are `agentdesk_http`'s.

use agentdesk_http::CallFailure;
use serde_json::Value;

use super::ClientError;
use crate::protocol::RetCode;

pub use agentdesk_http::truncate;

impl CallFailure for ClientError {
    fn outcome(&self) -> String {
        self.outcome_label()
    }

    fn is_transient(&self) -> bool {
        ClientError::is_transient(self)
    }
}

/// An answer's body as JSON: a network failure, an HTTP error status or a body that is not JSON
/// each as their own error, naming `endpoint` (the body kept, shortened, for the log).
pub async fn read_answer(
    endpoint: &str,
    response: reqwest::Response,
) -> Result<(Value, String), ClientError> {
    let body = read_text(endpoint, response).await?;
    let value = serde_json::from_str(&body).map_err(|e| ClientError::Decode {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
        body: truncate(&body),
    })?;
    Ok((value, body))
}

/// The body of a 200 answer (an export file, say); any other status is an `Http` error.
pub async fn read_text(endpoint: &str, response: reqwest::Response) -> Result<String, ClientError> {
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| network(endpoint, &e))?;
    if status != 200 {
        return Err(ClientError::Http {
            endpoint: endpoint.to_string(),
            status,
            body: truncate(&body),
        });
    }
    Ok(body)
}

/// The platform's envelope: `retCode` (or `ret_code`) must be one of `ok` (each API documents its
/// own: `000000` for the agent SDK and the open platform, others for some tenant-API calls);
/// otherwise a `Platform` error with the platform's own message (`retMsg` or `ret_msg`).
pub fn check_envelope(endpoint: &str, body: &Value, ok: &[&str]) -> Result<(), ClientError> {
    let field = |a: &str, b: &str| {
        body.get(a)
            .or_else(|| body.get(b))
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default()
    };
    let code_text = field("retCode", "ret_code");
    if ok.contains(&code_text.as_str()) {
        return Ok(());
    }
    Err(ClientError::Platform {
        endpoint: endpoint.into(),
        code: RetCode::parse(&code_text),
        code_text,
        message: field("retMsg", "ret_msg"),
    })
}

pub fn network(endpoint: &str, error: &reqwest::Error) -> ClientError {
    ClientError::Network {
        endpoint: endpoint.to_string(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_in_both_spellings_and_extra_success_codes() {
        let ok = serde_json::json!({"retCode": "000000", "data": {}});
        assert!(check_envelope("x", &ok, &[RetCode::SUCCESS]).is_ok());
        let refused = serde_json::json!({"ret_code": "200002", "ret_msg": "会话不存在"});
        let error = check_envelope("x", &refused, &[RetCode::SUCCESS]).unwrap_err();
        assert!(error.to_string().contains("会话不存在"), "{error}");
        let other_ok = serde_json::json!({"retCode": "1", "retMsg": "ok"});
        assert!(check_envelope("x", &other_ok, &["1"]).is_ok());
        assert!(
            check_envelope("x", &ok, &["1"]).is_err(),
            "only the API's own success codes"
        );
    }
}
