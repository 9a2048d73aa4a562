//! Sobot return codes (reference §1.2 common codes, §1b agent SDK) as one enum, so callers branch on
//! meaning rather than on strings.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetCode {
    Success,
    TokenMissing,
    TokenInvalid,
    BadSignature,
    UnknownAppId,
    /// Agent SDK: the login (temp-id) is no longer valid.
    LoginInvalid,
    /// Agent SDK `send`: the message hit a sensitive word. The platform stores it hidden from the
    /// visitor (`userNoSeeFlag=1`); the SDK shows it as failed. It never reached the customer.
    SensitiveWord,
    EditionNotSupported,
    Unknown,
    /// Any other business code (400001 ... ), kept verbatim.
    Other(String),
}

impl RetCode {
    pub const SUCCESS: &'static str = "000000";
    /// The e-commerce platform API's tenant endpoints answer success as `200000`.
    pub const TENANT_SUCCESS: &'static str = "200000";
    /// E-commerce platform API: not enough agent seats (在线客服数量不足).
    pub const NOT_ENOUGH_SEATS: &'static str = "200007";
    pub const TOKEN_MISSING: &'static str = "900001";
    pub const TOKEN_INVALID: &'static str = "900002";
    pub const BAD_SIGNATURE: &'static str = "900003";
    pub const UNKNOWN_APPID: &'static str = "900004";
    pub const LOGIN_INVALID: &'static str = "999998";
    pub const UNKNOWN: &'static str = "999999";
    pub const SENSITIVE_WORD: &'static str = "200032";
    pub const EDITION_NOT_SUPPORTED: &'static str = "700046";

    pub fn parse(code: &str) -> RetCode {
        match code {
            Self::SUCCESS => RetCode::Success,
            Self::TOKEN_MISSING => RetCode::TokenMissing,
            Self::TOKEN_INVALID => RetCode::TokenInvalid,
            Self::BAD_SIGNATURE => RetCode::BadSignature,
            Self::UNKNOWN_APPID => RetCode::UnknownAppId,
            Self::LOGIN_INVALID => RetCode::LoginInvalid,
            Self::SENSITIVE_WORD => RetCode::SensitiveWord,
            Self::EDITION_NOT_SUPPORTED => RetCode::EditionNotSupported,
            Self::UNKNOWN => RetCode::Unknown,
            other => RetCode::Other(other.to_string()),
        }
    }

    pub fn is_success(&self) -> bool {
        matches!(self, RetCode::Success)
    }

    /// The credential or login must be renewed and the call made again.
    pub fn needs_reauth(&self) -> bool {
        matches!(self, RetCode::TokenInvalid | RetCode::LoginInvalid)
    }
}
