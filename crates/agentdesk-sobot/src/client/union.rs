//! The e-commerce platform API client (电商平台 API): a supervisor's union code and union key list
//! the tenants (商户), manage them and their agents, fetch each tenant's credentials
//! (`getBatchAppKey`) and read figures. Every request is signed on its own (no session token).
//! Reads are retried on network errors; writes are not (they are not idempotent).

use std::time::Duration;

use agentdesk_domain::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use agentdesk_http::{CallLedger, HttpClient, HttpSettings, Retry};

use super::http::{check_envelope, network, read_answer, read_text};
use super::ClientError;
use crate::protocol::sign::{chat_index_token, tenant_api_token, union_sign};
use crate::protocol::RetCode;

const CALL_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct UnionCredentials {
    pub base_url: String,
    pub union_code: String,
    /// The platform super-administrator's e-mail.
    pub email: String,
    pub union_key: Secret,
}

/// One tenant as `getTenantList` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TenantRecord {
    pub company_id: String,
    pub company_name: String,
    pub email: String,
    pub contact_tel: String,
    pub contact_name: String,
    pub service_num: i64,
    pub max_service_count: i64,
    pub create_time: String,
    pub end_time: String,
    pub tenant_status: bool,
    pub customer_code: Option<String>,
}

impl Default for TenantRecord {
    fn default() -> Self {
        TenantRecord {
            company_id: String::new(),
            company_name: String::new(),
            email: String::new(),
            contact_tel: String::new(),
            contact_name: String::new(),
            service_num: 0,
            max_service_count: 0,
            create_time: String::new(),
            end_time: String::new(),
            tenant_status: true,
            customer_code: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
pub struct TenantPage {
    pub page_no: i64,
    pub page_count: i64,
    pub total_count: i64,
    pub items: Vec<TenantRecord>,
}

/// `getTenantList` filters.
#[derive(Debug, Clone, Default)]
pub struct TenantQuery {
    /// -1 all, 1 enabled, 0 disabled.
    pub open_status: i8,
    /// (inputStatus, inputValue): 1 name, 2 contact account, 3 contact phone (fuzzy), 4 external id.
    pub search: Option<(u8, String)>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub page_no: u32,
    pub page_size: u32,
}

/// A tenant's credentials from `getBatchAppKey`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantCredentials {
    pub app_id: String,
    #[serde(deserialize_with = "secret_from_string")]
    pub app_key: Secret,
    pub company_id: String,
    pub company_name: String,
}

impl std::fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCredentials")
            .field("app_id", &self.app_id)
            .field("app_key", &self.app_key)
            .field("company_id", &self.company_id)
            .field("company_name", &self.company_name)
            .finish()
    }
}

fn secret_from_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub company_name: String,
    pub email: String,
    pub max_count: u32,
    pub password: Secret,
    pub contact_name: String,
    pub contact_tel: String,
    pub customer_code: String,
}

#[derive(Debug, Clone)]
pub struct TenantUpdate {
    pub customer_code: String,
    /// The tenant's super-administrator e-mail.
    pub email: String,
    pub company_name: String,
    pub max_count: u32,
    pub contact_name: String,
    pub contact_tel: String,
    /// Enable or disable (an AgentDesk extension to `updateTenant.json`, docs/PROTOCOL.md).
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
pub struct AddedTenant {
    pub app_key: String,
    pub contact_name: String,
    /// The new tenant's company id.
    pub sys_num: String,
}

/// An agent to add or edit (`addServiceInfoConfim` / `updateServiceInfoConfim`).
#[derive(Debug, Clone)]
pub struct AgentProfile {
    pub customer_code: String,
    pub email: String,
    pub nick: String,
    pub name: String,
    /// 5555 工单客服, 2222 在线管理员, 1111 在线客服, 8888 工单管理员 (used when adding).
    pub role_id: String,
    pub phone: String,
    pub max_accept: u32,
    /// Only when adding.
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffLogEntry {
    pub datetime: i64,
    pub datetime_format: String,
    pub source: i64,
    pub operation_action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffLogs {
    pub staff_id: String,
    pub staff_log_infos: Vec<StaffLogEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyStaffLogs {
    pub company_id: String,
    pub company_staff_infos: Vec<StaffLogs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StaffFigures {
    pub staffid: String,
    pub companyid: String,
    pub first_response_time_set: i64,
    pub transfer_first_response_count: i64,
    pub session_human_visitor_consult: i64,
    pub first_response_in60s_rate: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
pub struct ExportTask {
    /// Written `filePath` in one version of the reference and `file_path` in the other.
    #[serde(alias = "file_path")]
    pub file_path: String,
    pub union_code: String,
    pub create_time: String,
    pub result_date: String,
    pub task_type: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
pub struct ChatIndexItem {
    pub sys_num: String,
    pub company_name: String,
    pub visitor_id: String,
    pub partner_id: String,
    pub last_cid: String,
    pub last_msg_content: String,
    pub last_msg_time: i64,
    pub last_msg_type: i64,
    pub un_read_num: i64,
}

pub struct UnionClient {
    /// Calls are signed one by one (no credential to renew); the HTTP client times, records (API health:
    /// the tenant API keeps no audit of its own) and retries the reads.
    http: HttpClient,
    base: String,
    credentials: UnionCredentials,
}

impl UnionClient {
    pub fn new(
        credentials: UnionCredentials,
        clock: agentdesk_domain::SharedClock,
        ledger: CallLedger,
    ) -> Result<UnionClient, ClientError> {
        let base = credentials.base_url.trim_end_matches('/').to_string();
        url::Url::parse(&base)
            .map_err(|e| ClientError::Config(format!("base URL {base:?} is not a URL: {e}")))?;
        Ok(UnionClient {
            http: HttpClient::new(HttpSettings::within(CALL_TIMEOUT), clock, ledger)
                .map_err(|e| ClientError::Config(e.to_string()))?,
            base,
            credentials,
        })
    }

    /// Where this client's calls are recorded.
    pub fn ledger(&self) -> &CallLedger {
        self.http.ledger()
    }

    /// `unionCode`, `ts` and `token = MD5(unionCode + ts + email + unionKey)` for `email`.
    fn signed(&self, email: &str) -> Map<String, Value> {
        let ts = self.http.signing_time_ms().to_string();
        let c = &self.credentials;
        let token = tenant_api_token(&c.union_code, &ts, email, c.union_key.expose());
        let mut params = Map::new();
        params.insert("unionCode".into(), json!(c.union_code));
        params.insert("ts".into(), json!(ts));
        params.insert("token".into(), json!(token));
        params.insert("email".into(), json!(email));
        params
    }

    /// `unionCode` (or `union_code`), `ts` and `sign = MD5(unionCode + ts + unionKey)`.
    fn report_signed(&self, code_key: &str) -> Map<String, Value> {
        let ts = self.http.signing_time_ms().to_string();
        let c = &self.credentials;
        let mut params = Map::new();
        params.insert(code_key.into(), json!(c.union_code));
        params.insert("ts".into(), json!(ts));
        params.insert(
            "sign".into(),
            json!(union_sign(&c.union_code, &ts, c.union_key.expose())),
        );
        params
    }

    /// A JSON POST to `{base}{path}`; `retry` for reads (safe to repeat), never for changes.
    async fn post(
        &self,
        endpoint: &str,
        path: &str,
        params: Map<String, Value>,
        retry: bool,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.base);
        let retry = if retry {
            Retry::Transient
        } else {
            Retry::Never
        };
        let (url, params) = (&url, &params);
        self.http
            .run(endpoint, retry, || async move {
                let response = self
                    .http
                    .reqwest()
                    .post(url)
                    .json(params)
                    .send()
                    .await
                    .map_err(|e| network(endpoint, &e))?;
                Ok(read_answer(endpoint, response).await?.0)
            })
            .await
    }

    /// `getTenantList`.
    pub async fn tenants(&self, query: &TenantQuery) -> Result<TenantPage, ClientError> {
        let mut params = self.signed(&self.credentials.email);
        params.insert("openStatus".into(), json!(query.open_status.to_string()));
        if let Some((status, value)) = &query.search {
            params.insert("inputStatus".into(), json!(status.to_string()));
            params.insert("inputValue".into(), json!(value));
        }
        if let Some(start) = &query.start_date {
            params.insert("startDate".into(), json!(start));
        }
        if let Some(end) = &query.end_date {
            params.insert("endDate".into(), json!(end));
        }
        params.insert("pageNo".into(), json!(query.page_no.max(1)));
        params.insert("pageSize".into(), json!(query.page_size.clamp(1, 100)));
        let body = self
            .post(
                "getTenantList",
                "/tenantpro/open/getTenantList",
                params,
                true,
            )
            .await?;
        check_envelope("getTenantList", &body, &[RetCode::TENANT_SUCCESS])?;
        parse("getTenantList", body)
    }

    /// Every tenant, page by page.
    pub async fn all_tenants(&self) -> Result<Vec<TenantRecord>, ClientError> {
        let mut all = Vec::new();
        let mut page_no = 1;
        loop {
            let page = self
                .tenants(&TenantQuery {
                    open_status: -1,
                    page_no,
                    page_size: 100,
                    ..TenantQuery::default()
                })
                .await?;
            let done = page.items.is_empty() || page_no as i64 >= page.page_count;
            all.extend(page.items);
            if done {
                return Ok(all);
            }
            page_no += 1;
        }
    }

    /// `addTenant.json`.
    pub async fn add_tenant(&self, tenant: &NewTenant) -> Result<AddedTenant, ClientError> {
        let mut params = self.signed(&tenant.email);
        params.insert("companyName".into(), json!(tenant.company_name));
        params.insert("maxCount".into(), json!(tenant.max_count));
        params.insert("password".into(), json!(tenant.password.expose()));
        params.insert("contactName".into(), json!(tenant.contact_name));
        params.insert("contactTel".into(), json!(tenant.contact_tel));
        params.insert("customerCode".into(), json!(tenant.customer_code));
        let body = self
            .post("addTenant", "/tenantpro/open/addTenant.json", params, false)
            .await?;
        check_envelope("addTenant", &body, &[RetCode::TENANT_SUCCESS])?;
        parse("addTenant", body.get("msg").cloned().unwrap_or(Value::Null))
    }

    /// `updateTenant.json`.
    pub async fn update_tenant(&self, update: &TenantUpdate) -> Result<(), ClientError> {
        let mut params = self.signed(&update.email);
        params.insert("companyName".into(), json!(update.company_name));
        params.insert("maxCount".into(), json!(update.max_count));
        params.insert("contactName".into(), json!(update.contact_name));
        params.insert("contactTel".into(), json!(update.contact_tel));
        params.insert("customerCode".into(), json!(update.customer_code));
        if let Some(enabled) = update.enabled {
            params.insert("tenantStatus".into(), json!(enabled));
        }
        let body = self
            .post(
                "updateTenant",
                "/tenantpro/open/updateTenant.json",
                params,
                false,
            )
            .await?;
        check_envelope("updateTenant", &body, &[RetCode::TENANT_SUCCESS])
    }

    /// `addServiceInfoConfim.json`.
    pub async fn add_agent(&self, agent: &AgentProfile) -> Result<(), ClientError> {
        let mut params = self.signed(&agent.email);
        params.insert("customerCode".into(), json!(agent.customer_code));
        params.insert("nick".into(), json!(agent.nick));
        params.insert("name".into(), json!(agent.name));
        params.insert("roleId".into(), json!(agent.role_id));
        params.insert("phoneNo".into(), json!(agent.phone));
        params.insert("maxAcceptNum".into(), json!(agent.max_accept));
        if let Some(password) = &agent.password {
            params.insert("password".into(), json!(password.expose()));
        }
        let body = self
            .post(
                "addServiceInfoConfim",
                "/tenantpro/open/addServiceInfoConfim.json",
                params,
                false,
            )
            .await?;
        check_envelope("addServiceInfoConfim", &body, &[RetCode::TENANT_SUCCESS])
    }

    /// `updateServiceInfoConfim.json`.
    pub async fn update_agent(&self, agent: &AgentProfile) -> Result<(), ClientError> {
        let mut params = self.signed(&agent.email);
        params.insert("customerCode".into(), json!(agent.customer_code));
        params.insert("serviceNick".into(), json!(agent.nick));
        params.insert("serviceName".into(), json!(agent.name));
        params.insert("phoneNo".into(), json!(agent.phone));
        params.insert("maxAcceptNum".into(), json!(agent.max_accept));
        let body = self
            .post(
                "updateServiceInfoConfim",
                "/tenantpro/open/updateServiceInfoConfim.json",
                params,
                false,
            )
            .await?;
        check_envelope("updateServiceInfoConfim", &body, &[RetCode::TENANT_SUCCESS])
    }

    /// `deleteServiceInfoConfim`.
    pub async fn delete_agent(&self, customer_code: &str, email: &str) -> Result<(), ClientError> {
        let mut params = self.signed(email);
        params.insert("customerCode".into(), json!(customer_code));
        let body = self
            .post(
                "deleteServiceInfoConfim",
                "/tenantpro/open/deleteServiceInfoConfim",
                params,
                false,
            )
            .await?;
        check_envelope("deleteServiceInfoConfim", &body, &[RetCode::TENANT_SUCCESS])
    }

    /// `getBatchAppKey`: every tenant's appid and app key.
    pub async fn batch_app_keys(&self) -> Result<Vec<TenantCredentials>, ClientError> {
        let params = self.report_signed("unionCode");
        let body = self
            .post("getBatchAppKey", "/tenantpro/getBatchAppKey", params, true)
            .await?;
        check_envelope("getBatchAppKey", &body, &[RetCode::SUCCESS])?;
        let data = body
            .get(&self.credentials.union_code)
            .and_then(|group| group.get("data"))
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        parse("getBatchAppKey", data)
    }

    /// `getStaffLogInfos` (GET; the platform caps the window at one week).
    pub async fn staff_logs(
        &self,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
    ) -> Result<Vec<CompanyStaffLogs>, ClientError> {
        let ts = self.http.signing_time_ms().to_string();
        let c = &self.credentials;
        let token = union_sign(&c.union_code, &ts, c.union_key.expose());
        let mut query = vec![
            ("unionCode", c.union_code.clone()),
            ("ts", ts),
            ("token", token),
        ];
        if let Some(start) = start_ms {
            query.push(("startTime", start.to_string()));
        }
        if let Some(end) = end_ms {
            query.push(("endTime", end.to_string()));
        }
        let url = format!("{}/tenantpro/coutomer/getStaffLogInfos", self.base);
        let (url, query) = (&url, &query);
        let body = self
            .http
            .run("getStaffLogInfos", Retry::Transient, || async move {
                let response = self
                    .http
                    .reqwest()
                    .get(url)
                    .query(query)
                    .send()
                    .await
                    .map_err(|e| network("getStaffLogInfos", &e))?;
                Ok(read_answer("getStaffLogInfos", response).await?.0)
            })
            .await?;
        check_envelope("getStaffLogInfos", &body, &[RetCode::TENANT_SUCCESS])?;
        parse(
            "getStaffLogInfos",
            body.get("items")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        )
    }

    /// `tenantStaffJobList`: each agent's figures between two `yyyy-MM-dd` dates.
    pub async fn staff_figures(
        &self,
        start_date: &str,
        end_date: &str,
    ) -> Result<Vec<StaffFigures>, ClientError> {
        let mut params = self.report_signed("union_code");
        params.insert("start_date".into(), json!(start_date));
        params.insert("end_date".into(), json!(end_date));
        let body = self
            .post(
                "tenantStaffJobList",
                "/tenantpro/tenantReport/tenantStaffJobList",
                params,
                true,
            )
            .await?;
        check_envelope("tenantStaffJobList", &body, &[RetCode::SUCCESS])?;
        parse(
            "tenantStaffJobList",
            body.get("items")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        )
    }

    /// `tenantExportData`: type 7 (sessions) or 8 (response times) for one day.
    pub async fn export(&self, task_type: u8, date: &str) -> Result<ExportTask, ClientError> {
        let mut params = self.report_signed("unionCode");
        params.insert("type".into(), json!(task_type.to_string()));
        params.insert("date".into(), json!(date));
        let body = self
            .post(
                "tenantExportData",
                "/tenantpro/tenantReport/tenantExportData",
                params,
                true,
            )
            .await?;
        check_envelope("tenantExportData", &body, &[RetCode::SUCCESS])?;
        parse(
            "tenantExportData",
            body.get("item").cloned().unwrap_or(Value::Null),
        )
    }

    /// The file an export task points at, as text (observed as `tenantExportData:file`).
    pub async fn export_file(&self, task: &ExportTask) -> Result<String, ClientError> {
        const ENDPOINT: &str = "tenantExportData:file";
        let url = url::Url::parse(&task.file_path).map_err(|e| ClientError::Decode {
            endpoint: ENDPOINT.into(),
            message: format!("the export's file path is not an address: {e}"),
            body: task.file_path.clone(),
        })?;
        let url = &url;
        self.http
            .run(ENDPOINT, Retry::Transient, || async move {
                let response = self
                    .http
                    .reqwest()
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(|e| network(ENDPOINT, &e))?;
                read_text(ENDPOINT, response).await
            })
            .await
    }

    /// `chatIndexPage`: a customer's latest conversation with each tenant.
    pub async fn chat_index(&self, partner_id: &str) -> Result<Vec<ChatIndexItem>, ClientError> {
        let ts = self.http.signing_time_ms().to_string();
        let c = &self.credentials;
        let token = chat_index_token(&c.union_code, partner_id, &ts, c.union_key.expose());
        let params: Map<String, Value> = [
            ("union_code", json!(c.union_code)),
            ("partnerId", json!(partner_id)),
            ("ts", json!(ts)),
            ("token", json!(token)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let body = self
            .post(
                "chatIndexPage",
                "/chat-third/tenant/5/user/chatIndexPage",
                params,
                true,
            )
            .await?;
        let status = body.get("status").and_then(Value::as_i64).unwrap_or(0);
        if status != 1 {
            let meaning = match status {
                2 => "传参异常 (bad parameters)",
                3 => "unionCode 异常 (unknown union code)",
                4 => "接口调用频率超过限制 (over 20 calls a minute: wait a minute)",
                5 => "token 校验异常 (bad token: check the union key)",
                _ => "未知异常 (unknown error)",
            };
            return Err(ClientError::Platform {
                endpoint: "chatIndexPage".into(),
                code: RetCode::Other(format!("status {status}")),
                code_text: format!("status {status}"),
                message: meaning.into(),
            });
        }
        parse(
            "chatIndexPage",
            body.get("items")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        )
    }
}

fn parse<T: serde::de::DeserializeOwned>(endpoint: &str, value: Value) -> Result<T, ClientError> {
    serde_json::from_value(value.clone()).map_err(|e| ClientError::Decode {
        endpoint: endpoint.into(),
        message: e.to_string(),
        body: value.to_string(),
    })
}

/// One agent's line of a daily export (`tenantExportData`). Type 7 fills the session counts, type 8
/// the first responses; what a file does not carry stays 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRow {
    pub company_id: String,
    pub staff_id: String,
    pub staff_name: String,
    pub sessions: i64,
    pub ended: i64,
    pub rated: i64,
    pub first_responses: i64,
    pub average_first_response_s: f64,
}

/// Reads an export file: CSV with a header line, columns found by name (the reference does not
/// give the file's layout; these names are the sandbox's, see docs/PROTOCOL.md), a UTF-8 BOM
/// tolerated, unknown columns ignored. A file without `staffId` is not a report.
pub fn parse_report(text: &str) -> Result<Vec<ReportRow>, ClientError> {
    const ENDPOINT: &str = "tenantExportData:file";
    let not_a_report = |message: String| ClientError::Decode {
        endpoint: ENDPOINT.into(),
        message,
        body: text.chars().take(200).collect(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .map_err(|e| not_a_report(format!("the export's header is not CSV: {e}")))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let Some(staff_id) = column("staffId") else {
        return Err(not_a_report("the export has no staffId column".into()));
    };
    let columns = [
        column("companyId"),
        column("staffName"),
        column("sessions"),
        column("ended"),
        column("rated"),
        column("firstResponses"),
        column("avgFirstResponseSeconds"),
    ];
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| not_a_report(format!("a line of the export is not CSV: {e}")))?;
        let text_at = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_string();
        let number_at = |i: Option<usize>| text_at(i).parse::<f64>().unwrap_or(0.0);
        let Some(id) = record.get(staff_id).filter(|id| !id.is_empty()) else {
            continue;
        };
        rows.push(ReportRow {
            company_id: text_at(columns[0]),
            staff_id: id.to_string(),
            staff_name: text_at(columns[1]),
            sessions: number_at(columns[2]) as i64,
            ended: number_at(columns[3]) as i64,
            rated: number_at(columns[4]) as i64,
            first_responses: number_at(columns[5]) as i64,
            average_first_response_s: number_at(columns[6]),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_read_by_column_name_whatever_their_order() {
        let sessions = "\u{feff}companyId,companyName,staffId,staffName,sessions,ended,rated\n\
                        c1,流明商城,a1,客服一,12,11,7\n\
                        c1,流明商城,a2,客服二,0,0,0\n\n";
        let rows = parse_report(sessions).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].staff_id.as_str(),
                rows[0].sessions,
                rows[0].ended,
                rows[0].rated
            ),
            ("a1", 12, 11, 7)
        );
        let times = "avgFirstResponseSeconds,extra,staffId,firstResponses\n18.5,x,a1,9\n";
        let rows = parse_report(times).unwrap();
        assert_eq!(rows[0].first_responses, 9);
        assert_eq!(rows[0].average_first_response_s, 18.5);
        assert_eq!(rows[0].sessions, 0, "not in this file");
    }

    #[test]
    fn quoted_fields_with_commas_and_quotes_stay_whole() {
        let sessions = "companyId,companyName,staffId,staffName,sessions,ended,rated\r\n\
                        c1,\"流明商城, 旗舰店\",a1,\"Lin, Xiao \"\"Lx\"\"\",12,11,7\r\n\
                        c1,流明商城,a2,\"多行\n名字\",3,2,1\r\n";
        let rows = parse_report(sessions).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].staff_name, "Lin, Xiao \"Lx\"");
        assert_eq!(
            (rows[0].sessions, rows[0].ended, rows[0].rated),
            (12, 11, 7)
        );
        assert_eq!(rows[1].staff_name, "多行\n名字");
        assert_eq!(rows[1].sessions, 3);
    }

    #[test]
    fn something_else_is_not_a_report() {
        let error = parse_report("<html>502 Bad Gateway</html>").unwrap_err();
        assert!(error.to_string().contains("staffId"), "{error}");
        assert!(parse_report("staffId,sessions\n,3\n").unwrap().is_empty());
    }

    #[test]
    fn both_spellings_of_the_file_path_are_read() {
        for body in [
            r#"{"filePath":"http://x/a.csv","taskType":"7"}"#,
            r#"{"file_path":"http://x/a.csv","taskType":"7"}"#,
        ] {
            let task: ExportTask = serde_json::from_str(body).unwrap();
            assert_eq!(task.file_path, "http://x/a.csv");
        }
    }
}
