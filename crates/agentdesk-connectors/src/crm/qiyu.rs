//! The Qiyu CRM integration protocol (reference §2.5): the merchant's CRM answers `get_token`
//! (`{rlt, token, expires}` with `expires` in ms), `get_user_info` (`data[{key, label, value,
//! map?}]`) and `get_order` (`orders[{blocks[{is_title, data[...]}]}]`). `rlt` 0 is success, 1 a bad
//! appid or secret, 2 an expired token (fetched again once); `rlt` may be a number or a string.
//!
//! The protocol's fields are free-form label/value pairs; AgentDesk reads these keys into the
//! profile and orders (others stay as labelled fields): `map` real_name / mobile_phone / email;
//! `level`, `vip_level`, `tier`; `tags`; `total_amount`, `lifetime_value`; in an order's title block
//! `order_id`/`order_no`/`id`, `status`/`order_status`, `amount`/`total`/`price`, `date`/`order_time`,
//! `logistics_company`/`carrier` with `logistics_no`/`waybill`/`tracking_no`; in its other blocks
//! `goods_name`/`name`, `goods_count`/`count`/`num`, `goods_price`/`price`.

use std::time::{Duration, Instant};

use agentdesk_domain::Secret;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::CrmError;
use crate::profile::{CustomerProfile, Field, Order, OrderLine, TrackingRef};

pub const SOURCE: &str = "Qiyu CRM";
/// `expires` ≤ 0 means the default of two hours.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);
/// Fetch a new token this long before the old one runs out.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// `rlt` as a string, whether the CRM sent a number or a string.
fn rlt_of(body: &Value) -> String {
    match &body["rlt"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => String::new(),
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Item {
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default, deserialize_with = "any_text")]
    value: String,
    #[serde(default)]
    map: Option<String>,
}

/// Values arrive as strings or numbers.
fn any_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[derive(Debug, Clone, Deserialize)]
struct Block {
    #[serde(default)]
    is_title: bool,
    #[serde(default)]
    data: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawOrder {
    #[serde(default)]
    blocks: Vec<Block>,
}

fn pick(items: &[Item], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        items
            .iter()
            .find(|i| i.key == *key && !i.value.is_empty())
            .map(|i| i.value.clone())
    })
}

fn field(item: &Item) -> Field {
    Field {
        key: item.key.clone(),
        label: item.label.clone(),
        value: item.value.clone(),
    }
}

/// `get_user_info`'s `data` as a profile.
pub fn profile_from(data: &Value) -> Result<CustomerProfile, String> {
    let items: Vec<Item> = serde_json::from_value(data.clone()).map_err(|e| e.to_string())?;
    let mapped = |name: &str| {
        items
            .iter()
            .find(|i| i.map.as_deref() == Some(name) || i.key == name)
            .map(|i| i.value.clone())
            .filter(|v| !v.is_empty())
    };
    let known = [
        "real_name",
        "mobile_phone",
        "email",
        "level",
        "vip_level",
        "tier",
        "tags",
        "total_amount",
        "lifetime_value",
    ];
    Ok(CustomerProfile {
        name: mapped("real_name"),
        phone: mapped("mobile_phone"),
        email: mapped("email"),
        tier: pick(&items, &["level", "vip_level", "tier"]),
        tags: pick(&items, &["tags"])
            .map(|t| {
                t.split([',', '，', ';'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        lifetime_value: pick(&items, &["total_amount", "lifetime_value"]),
        fields: items
            .iter()
            .filter(|i| !known.contains(&i.key.as_str()) && i.map.is_none())
            .map(field)
            .collect(),
    })
}

/// `get_order`'s `orders` as orders.
pub fn orders_from(orders: &Value) -> Result<Vec<Order>, String> {
    let raw: Vec<RawOrder> = serde_json::from_value(orders.clone()).map_err(|e| e.to_string())?;
    Ok(raw
        .into_iter()
        .map(|order| {
            let title: Vec<Item> = order
                .blocks
                .iter()
                .filter(|b| b.is_title)
                .flat_map(|b| b.data.clone())
                .collect();
            let lines = order
                .blocks
                .iter()
                .filter(|b| !b.is_title)
                .filter_map(|b| {
                    Some(OrderLine {
                        name: pick(&b.data, &["goods_name", "name"])?,
                        quantity: pick(&b.data, &["goods_count", "count", "num"]),
                        price: pick(&b.data, &["goods_price", "price"]),
                    })
                })
                .collect();
            let tracking = pick(&title, &["logistics_no", "waybill", "tracking_no"])
                .map(|waybill| TrackingRef {
                    carrier: pick(&title, &["logistics_company", "carrier"]).unwrap_or_default(),
                    waybill,
                })
                .into_iter()
                .collect();
            Order {
                id: pick(&title, &["order_id", "order_no", "id"])
                    .or_else(|| title.first().map(|i| i.value.clone()))
                    .unwrap_or_default(),
                status: pick(&title, &["status", "order_status"]),
                amount: pick(&title, &["amount", "total", "price"]),
                placed_at: pick(&title, &["date", "order_time"]),
                lines,
                tracking,
                fields: title.iter().map(field).collect(),
            }
        })
        .collect())
}

struct CachedToken {
    token: Secret,
    refresh_at: Instant,
}

pub struct QiyuCrmClient {
    http: agentdesk_http::HttpClient,
    base_url: String,
    appid: String,
    appsecret: Secret,
    token: Mutex<Option<CachedToken>>,
}

impl QiyuCrmClient {
    pub fn new(
        base_url: &str,
        appid: &str,
        appsecret: Secret,
        http: agentdesk_http::HttpClient,
    ) -> QiyuCrmClient {
        QiyuCrmClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            appid: appid.to_string(),
            appsecret,
            token: Mutex::new(None),
        }
    }

    async fn token(&self) -> Result<Secret, CrmError> {
        let mut slot = self.token.lock().await;
        if let Some(cached) = slot.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let request = self
            .http
            .reqwest()
            .get(format!("{}/get_token", self.base_url))
            .query(&[
                ("appid", self.appid.as_str()),
                ("appsecret", self.appsecret.expose()),
            ]);
        let body = self
            .http
            .observed("qiyu-crm:get_token", async {
                let body = send(request).await?;
                match rlt_of(&body).as_str() {
                    "0" => Ok(body),
                    "1" => Err(CrmError::Auth {
                        source_name: SOURCE,
                        rlt: "1".into(),
                    }),
                    other => Err(refused(other.to_string(), &body)),
                }
            })
            .await?;
        let token = body["token"].as_str().unwrap_or_default().to_string();
        let expires_ms = body["expires"].as_i64().unwrap_or(0);
        let lifetime = if expires_ms > 0 {
            Duration::from_millis(expires_ms as u64)
        } else {
            DEFAULT_TOKEN_LIFETIME
        };
        let token = Secret::new(token);
        *slot = Some(CachedToken {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_AHEAD).max(lifetime / 2),
        });
        Ok(token)
    }

    /// A call with the token; an expired token (rlt 2) is fetched again once.
    async fn call(&self, path: &str, extra: Value) -> Result<Value, CrmError> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let mut body = json!({"appid": self.appid, "token": token.expose()});
            if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                body.extend(extra.clone());
            }
            let request = self
                .http
                .reqwest()
                .post(format!("{}{path}", self.base_url))
                .json(&body);
            let endpoint = format!("qiyu-crm:{}", path.trim_start_matches('/'));
            let answer = self
                .http
                .observed(&endpoint, async {
                    let answer = send(request).await?;
                    match rlt_of(&answer).as_str() {
                        "0" => Ok(answer),
                        "1" => Err(CrmError::Auth {
                            source_name: SOURCE,
                            rlt: "1".into(),
                        }),
                        other => Err(refused(other.to_string(), &answer)),
                    }
                })
                .await;
            match answer {
                Err(CrmError::Refused { rlt, .. }) if rlt == "2" && attempt == 0 => {
                    *self.token.lock().await = None;
                }
                answer => return answer,
            }
        }
        Err(CrmError::Refused {
            source_name: SOURCE,
            rlt: "2".into(),
            message: "the token expired again right after it was renewed".into(),
        })
    }

    /// `get_user_info` for the CRM's user id (the platform's partner id).
    pub async fn user_info(&self, userid: &str) -> Result<CustomerProfile, CrmError> {
        let answer = self
            .call("/get_user_info", json!({"userid": userid}))
            .await?;
        profile_from(&answer["data"]).map_err(|message| decode(message, &answer))
    }

    /// `get_order`: up to `count` orders from `from`, and the CRM's total.
    pub async fn orders(
        &self,
        userid: &str,
        count: u32,
        from: u32,
    ) -> Result<(Vec<Order>, u64), CrmError> {
        let answer = self
            .call(
                "/get_order",
                json!({"userid": userid, "count": count, "from": from, "type": 0}),
            )
            .await?;
        let orders = orders_from(&answer["orders"]).map_err(|message| decode(message, &answer))?;
        let total = answer["count"].as_u64().unwrap_or(orders.len() as u64);
        Ok((orders, total))
    }
}

/// Sends one request and reads its JSON answer.
async fn send(request: reqwest::RequestBuilder) -> Result<Value, CrmError> {
    let network = |e: reqwest::Error| CrmError::Network {
        source_name: SOURCE,
        message: agentdesk_http::transport_reason(&e),
    };
    let response = request.send().await.map_err(network)?;
    let text = response.text().await.map_err(network)?;
    serde_json::from_str(&text).map_err(|e| CrmError::Decode {
        source_name: SOURCE,
        message: e.to_string(),
        body: text,
    })
}

fn refused(rlt: String, body: &Value) -> CrmError {
    CrmError::Refused {
        source_name: SOURCE,
        rlt,
        message: body["msg"].as_str().unwrap_or_default().to_string(),
    }
}

fn decode(message: String, body: &Value) -> CrmError {
    CrmError::Decode {
        source_name: SOURCE,
        message,
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_maps_reserved_keys_and_keeps_the_rest() {
        let data = json!([
            {"index": 0, "key": "real_name", "label": "姓名", "value": "王芳", "map": "real_name"},
            {"index": 1, "key": "phone", "label": "手机", "value": "13812345678", "map": "mobile_phone"},
            {"index": 2, "key": "level", "label": "会员等级", "value": "金卡"},
            {"index": 3, "key": "tags", "label": "标签", "value": "复购, 高价值"},
            {"index": 4, "key": "total_amount", "label": "累计消费", "value": 12880},
            {"index": 5, "key": "city", "label": "城市", "value": "上海"}
        ]);
        let profile = profile_from(&data).unwrap();
        assert_eq!(profile.name.as_deref(), Some("王芳"));
        assert_eq!(profile.phone.as_deref(), Some("13812345678"));
        assert_eq!(profile.tier.as_deref(), Some("金卡"));
        assert_eq!(profile.tags, vec!["复购", "高价值"]);
        assert_eq!(profile.lifetime_value.as_deref(), Some("12880"));
        assert_eq!(profile.fields.len(), 1);
        assert_eq!(profile.fields[0].label, "城市");
    }

    #[test]
    fn orders_read_the_title_block_lines_and_waybill() {
        let orders = json!([{"index": 0, "blocks": [
            {"index": 0, "is_title": true, "data": [
                {"key": "order_id", "label": "订单号", "value": "LM123456789"},
                {"key": "status", "label": "状态", "value": "已发货"},
                {"key": "amount", "label": "金额", "value": "¥399.00"},
                {"key": "logistics_company", "label": "快递", "value": "shunfeng"},
                {"key": "logistics_no", "label": "运单号", "value": "SF1400000000002"}]},
            {"index": 1, "is_title": false, "data": [
                {"key": "goods_name", "label": "商品", "value": "保温杯"},
                {"key": "goods_count", "label": "数量", "value": 2}]}]}]);
        let orders = orders_from(&orders).unwrap();
        assert_eq!(orders[0].id, "LM123456789");
        assert_eq!(orders[0].status.as_deref(), Some("已发货"));
        assert_eq!(orders[0].lines[0].quantity.as_deref(), Some("2"));
        assert_eq!(orders[0].tracking[0].waybill, "SF1400000000002");
        assert_eq!(orders[0].tracking[0].carrier, "shunfeng");
    }

    #[test]
    fn rlt_may_be_a_number_or_a_string() {
        assert_eq!(rlt_of(&json!({"rlt": 0})), "0");
        assert_eq!(rlt_of(&json!({"rlt": "2"})), "2");
        assert_eq!(rlt_of(&json!({})), "");
    }
}
