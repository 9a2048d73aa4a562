//! Request signatures. Each is an MD5 over a documented concatenation, as 32 lowercase hex digits.

use md5::{Digest, Md5};

pub fn md5_hex(input: &str) -> String {
    let digest = Md5::digest(input.as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Open platform token signature: `md5(appid + create_time + app_key)` (reference §1.2).
pub fn open_platform_sign(appid: &str, create_time: &str, app_key: &str) -> String {
    md5_hex(&format!("{appid}{create_time}{app_key}"))
}

/// E-commerce platform (tenant API) token: `MD5(unionCode + ts + email + unionKey)` (reference §1.9).
pub fn tenant_api_token(union_code: &str, ts_ms: &str, email: &str, union_key: &str) -> String {
    md5_hex(&format!("{union_code}{ts_ms}{email}{union_key}"))
}

/// E-commerce platform `getStaffLogInfos` token: `MD5(unionCode + ts + unionKey)` (documented), used
/// by AgentDesk also as the report endpoints' `sign` (`tenantExportData`, `getBatchAppKey`,
/// `tenantStaffJobList`), whose formula the document does not give (docs/PROTOCOL.md).
pub fn union_sign(union_code: &str, ts_ms: &str, union_key: &str) -> String {
    md5_hex(&format!("{union_code}{ts_ms}{union_key}"))
}

/// `chatIndexPage` token: `MD5(unionCode + partnerId + ts + unionKey)` (documented).
pub fn chat_index_token(
    union_code: &str,
    partner_id: &str,
    ts_ms: &str,
    union_key: &str,
) -> String {
    md5_hex(&format!("{union_code}{partner_id}{ts_ms}{union_key}"))
}

/// Message-forwarding callback signature `X-Log-Sign`: `md5(companyId + timestamp + randomCode + appKey)`
/// (reference §1.6).
pub fn forwarding_sign(
    company_id: &str,
    timestamp_ms: &str,
    random_code: &str,
    app_key: &str,
) -> String {
    md5_hex(&format!("{company_id}{timestamp_ms}{random_code}{app_key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 1321 test suite values: they pin the digest and the lowercase-hex encoding.
    #[test]
    fn md5_matches_rfc_1321_vectors() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex("message digest"),
            "f96b697d7cb7938d525a2f31aaf161d0"
        );
    }

    // The reference's example (appid=1, create_time=1569397773 → 258eec31…) omits its app_key, so it
    // cannot be recomputed; these pin the documented concatenation order instead.
    #[test]
    fn open_platform_sign_concatenates_appid_time_key() {
        assert_eq!(open_platform_sign("a", "b", "c"), md5_hex("abc"));
        assert_eq!(
            open_platform_sign("1", "1569397773", "key"),
            md5_hex("11569397773key")
        );
        assert_ne!(
            open_platform_sign("1", "1569397773", "key"),
            open_platform_sign("key", "1569397773", "1")
        );
    }

    #[test]
    fn tenant_token_concatenates_union_code_ts_email_key() {
        assert_eq!(
            tenant_api_token("UC", "1536000000000", "a@b.c", "K"),
            md5_hex("UC1536000000000a@b.cK")
        );
    }

    #[test]
    fn forwarding_sign_concatenates_company_time_random_key() {
        assert_eq!(
            forwarding_sign("c1", "1609224926723", "635", "k"),
            md5_hex("c11609224926723635k")
        );
    }

    // The e-commerce platform API's formulas (seeds/001): fixed inputs pin the concatenation order.
    #[test]
    fn union_platform_tokens_concatenate_in_the_documented_order() {
        assert_eq!(
            tenant_api_token("10004", "158934009028", "a@b.c", "KEY"),
            md5_hex("10004158934009028a@b.cKEY")
        );
        assert_eq!(
            union_sign("10004", "1569397773", "KEY"),
            md5_hex("100041569397773KEY")
        );
        assert_eq!(
            chat_index_token("10001", "test001", "1607338626737", "KEY"),
            md5_hex("10001test0011607338626737KEY")
        );
    }
}
